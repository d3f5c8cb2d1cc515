/**
 * The data folder holds contact details and conversations: only the service's own user may read them,
 * whatever the umask of the shell that started it.
 */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;
