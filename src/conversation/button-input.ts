import type { UserInput } from './messages.js';

const COMMANDS = new Set(['back', 'restart', 'human', 'status']);

/**
 * What a card or suggested-action button sent in its `value`: an answer naming its question, a request
 * to change an answer, or one of the conversation's commands. Anything else is not a button of ours.
 */
export function buttonInput(value: unknown): UserInput | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.question === 'string' && typeof v.answer === 'string') return { question: v.question, answer: v.answer };
  if (typeof v.change === 'string' && v.change.length <= 100) return { change: v.change };
  if (typeof v.command === 'string' && COMMANDS.has(v.command)) return { command: v.command as 'back' | 'restart' | 'human' | 'status' };
  return undefined;
}
