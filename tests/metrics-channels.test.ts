import { describe, expect, it } from 'vitest';
import type { TurnResult } from '../src/conversation/conversation.js';
import { newState } from '../src/conversation/state.js';
import { Metrics } from '../src/observability/metrics.js';

const turn = (): TurnResult => ({ state: newState('zh-CN'), messages: [{ type: 'text', role: 'error', text: '?' }] });

describe('turn metrics by channel', () => {
  it('counts a Bot Framework turn under the channel it came through, and unknown channels as other', async () => {
    const m = new Metrics(false);
    m.observeTurn('botframework:msteams:19:abc', turn(), 0.002);
    m.observeTurn('botframework:msteams:19:def', turn(), 0.002);
    m.observeTurn('botframework:webchat:x', turn(), 0.002);
    m.observeTurn('wechat:openid-1', turn(), 0.002);
    m.observeTurn('botframework:somebot:x', turn(), 0.002);
    const text = await m.registry.metrics();
    const count = (name: string, channel: string) => Number(new RegExp(`^${name}\\{channel="${channel}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    expect(count('ekey_turns_total', 'msteams')).toBe(2);
    expect(count('ekey_turns_total', 'webchat')).toBe(1);
    expect(count('ekey_turns_total', 'wechat')).toBe(1);
    expect(count('ekey_turns_total', 'other')).toBe(1);
    expect(count('ekey_not_understood_total', 'msteams')).toBe(2);
    expect(count('ekey_turn_duration_seconds_count', 'msteams')).toBe(2);
  });
});
