import { describe, expect, it } from 'vitest';
import { Decider } from '../src/consult/decider.js';

/** The decider knows nothing of e-keys: a toy set of rules about drinks shows how it reasons. */
const toy = new Decider<{ drink: string }>({
  facts: [
    { id: 'temperature', order: 1 },
    { id: 'caffeine', order: 2 },
    { id: 'milk', order: 3 },
  ],
  conditions: { cold: { all: [{ fact: 'temperature', operator: 'equal', value: 'cold' }] } },
  rules: [
    {
      name: 'latte',
      priority: 1,
      conditions: {
        all: [
          { fact: 'temperature', operator: 'equal', value: 'hot' },
          { fact: 'caffeine', operator: 'equal', value: 'yes' },
          { fact: 'milk', operator: 'equal', value: 'yes' },
        ],
      },
      event: { type: 'outcome', params: { drink: 'latte' } },
    },
    {
      name: 'espresso',
      priority: 1,
      conditions: {
        all: [
          { fact: 'temperature', operator: 'equal', value: 'hot' },
          { fact: 'caffeine', operator: 'equal', value: 'yes' },
          { fact: 'milk', operator: 'equal', value: 'no' },
        ],
      },
      event: { type: 'outcome', params: { drink: 'espresso' } },
    },
    {
      name: 'tea',
      priority: 1,
      conditions: {
        all: [
          { fact: 'temperature', operator: 'equal', value: 'hot' },
          { fact: 'caffeine', operator: 'equal', value: 'no' },
        ],
      },
      event: { type: 'outcome', params: { drink: 'tea' } },
    },
    {
      name: 'water',
      priority: 1,
      conditions: { any: [{ condition: 'cold' }, { not: { fact: 'temperature', operator: 'in', value: ['hot', 'cold'] } }] },
      event: { type: 'outcome', params: { drink: 'water' } },
    },
  ],
});

describe('the rules decider on a toy rule set', () => {
  it('asks first the fact every undecided rule needs, by the given order', async () => {
    expect(await toy.decide({})).toEqual({ kind: 'question', fact: 'temperature' });
  });

  it('asks only what a still-undecided rule needs', async () => {
    expect(await toy.decide({ temperature: 'hot' })).toEqual({ kind: 'question', fact: 'caffeine' });
    expect(await toy.decide({ temperature: 'hot', caffeine: 'yes' })).toEqual({ kind: 'question', fact: 'milk' });
  });

  it('decides as soon as one rule holds, even with facts never asked', async () => {
    const d = await toy.decide({ temperature: 'hot', caffeine: 'no' });
    expect(d).toEqual({ kind: 'outcome', rule: 'tea', params: { drink: 'tea' }, decidedBy: ['temperature', 'caffeine'] });
  });

  it('resolves shared conditions and "any", and names only the facts that decided', async () => {
    const d = await toy.decide({ temperature: 'cold', milk: 'yes' });
    expect(d).toMatchObject({ kind: 'outcome', rule: 'water', decidedBy: ['temperature'] });
  });

  it('takes an answer given early and never asks it again', async () => {
    expect(await toy.decide({ milk: 'no' })).toEqual({ kind: 'question', fact: 'temperature' });
    expect(await toy.decide({ milk: 'no', temperature: 'hot' })).toEqual({ kind: 'question', fact: 'caffeine' });
    expect(await toy.decide({ milk: 'no', temperature: 'hot', caffeine: 'yes' })).toMatchObject({ rule: 'espresso' });
  });

  it('says when no rule can ever hold', async () => {
    const none = new Decider<{ x: number }>({
      facts: [{ id: 'a', order: 1 }],
      rules: [{ name: 'only', priority: 1, conditions: { all: [{ fact: 'a', operator: 'equal', value: 'y' }] }, event: { type: 'outcome', params: { x: 1 } } }],
    });
    expect(await none.decide({ a: 'n' })).toEqual({ kind: 'none' });
  });

  it('lets a higher-priority rule that is still undecided be asked before a lower one wins', async () => {
    const d = new Decider<{ r: string }>({
      facts: [
        { id: 'a', order: 1 },
        { id: 'b', order: 2 },
      ],
      rules: [
        { name: 'special', priority: 5, conditions: { all: [{ fact: 'b', operator: 'equal', value: 'y' }] }, event: { type: 'outcome', params: { r: 'special' } } },
        { name: 'general', priority: 1, conditions: { all: [{ fact: 'a', operator: 'equal', value: 'y' }] }, event: { type: 'outcome', params: { r: 'general' } } },
      ],
    });
    expect(await d.decide({ a: 'y' })).toEqual({ kind: 'question', fact: 'b' });
    expect(await d.decide({ a: 'y', b: 'n' })).toMatchObject({ rule: 'general' });
  });
});
