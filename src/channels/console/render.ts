/** The terminal renders exactly as every plain-text channel does. */
export { plainText as consoleText } from '../../render/plain-text.js';
