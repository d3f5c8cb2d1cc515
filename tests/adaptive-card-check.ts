import { createRequire } from 'node:module';

// The package's ES build imports files without extensions, which Node refuses; its UMD bundle loads anywhere.
const AC = createRequire(import.meta.url)('adaptivecards/dist/adaptivecards.js') as {
  AdaptiveCard: new () => { parse(json: unknown, ctx: unknown): void; validateProperties(): { validationEvents: { message: string }[] } };
  SerializationContext: new (version: unknown) => { eventCount: number; getEventAt(i: number): { message: string } };
  Versions: { v1_5: unknown };
};

/**
 * What the Adaptive Cards SDK objects to when it reads a card as version 1.5: unknown element or action
 * types, wrong property values, duplicate ids, missing required parts. Empty when the card is valid.
 */
export function adaptiveCardProblems(card: unknown): string[] {
  const problems: string[] = [];
  const c = card as Record<string, unknown>;
  if (c.type !== 'AdaptiveCard') problems.push('type is not AdaptiveCard');
  if (c.version !== '1.5') problems.push(`version is ${String(c.version)}, not 1.5`);
  if (c.$schema !== 'http://adaptivecards.io/schemas/adaptive-card.json') problems.push('$schema is missing');
  const parsed = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card, ctx);
  for (let i = 0; i < ctx.eventCount; i++) problems.push(ctx.getEventAt(i).message);
  for (const e of parsed.validateProperties().validationEvents) problems.push(e.message);
  return problems;
}

type Json = null | string | number | boolean | Json[] | { [k: string]: Json };

/** Every object in a card, depth first, for finding buttons and inputs wherever they sit. */
export function cardObjects(node: unknown): Record<string, Json>[] {
  if (Array.isArray(node)) return node.flatMap(cardObjects);
  if (node && typeof node === 'object') {
    const o = node as Record<string, Json>;
    return [o, ...Object.values(o).flatMap(cardObjects)];
  }
  return [];
}
