import { Consultation } from '../src/consult/consultation.js';
import { enumeratePaths } from '../src/consult/enumerate.js';
import { Conversation } from '../src/conversation/conversation.js';
import type { Message } from '../src/conversation/messages.js';
import { newState } from '../src/conversation/state.js';
import { loadKnowledge } from '../src/knowledge/load.js';
import type { Language } from '../src/knowledge/schema.js';
import { renderActivities } from '../src/render/activity.js';
import { plainParts } from '../src/render/plain-text.js';

const PUBLIC_URL = 'https://ekey.example.gov.cn';
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

type Channel = 'teams' | 'webchat' | 'wechat';
const CHANNELS: Channel[] = ['teams', 'webchat', 'wechat'];
const stat = (list: number[]) => ({ mean: Math.round(list.reduce((a, b) => a + b, 0) / list.length), max: Math.max(...list) });

/**
 * What each channel sends for the turn that gives an outcome, over every answer path: the activities' JSON
 * for Teams and Web Chat (Direct Line), the text parts for WeChat. Mean and largest in bytes, over all
 * outcomes and for each outcome rule.
 */
export async function replyBytes(lang: Language = 'zh-CN') {
  const k = loadKnowledge();
  const c = new Conversation(k, { today: () => '2026-11-23' });
  const paths = await enumeratePaths(new Consultation(k));
  const sizes: Record<Channel, number[]> = { teams: [], webchat: [], wechat: [] };
  const byRule = new Map<string, Record<Channel, number[]>>();
  for (const p of paths) {
    let state = (await c.start(newState(lang))).state;
    let messages: Message[] = [];
    for (const q of p.asked) {
      const r = await c.turn(state, { question: q, answer: p.answers[q] as string });
      state = r.state;
      messages = r.messages;
    }
    const t = c.t(state.lang);
    const sent: Record<Channel, number> = {
      teams: bytes(JSON.stringify(renderActivities(messages, t, { channelId: 'msteams', lang: state.lang, links: { base: PUBLIC_URL } }))),
      webchat: bytes(JSON.stringify(renderActivities(messages, t, { channelId: 'directline', lang: state.lang, links: { base: PUBLIC_URL } }))),
      wechat: messages.flatMap((m) => plainParts(m, t, { base: PUBLIC_URL })).reduce((n, s) => n + bytes(s), 0),
    };
    const rule = messages.find((m) => m.type === 'outcome')?.outcome.rule ?? '(no outcome in the last turn)';
    if (!byRule.has(rule)) byRule.set(rule, { teams: [], webchat: [], wechat: [] });
    for (const ch of CHANNELS) {
      sizes[ch].push(sent[ch]);
      byRule.get(rule)?.[ch].push(sent[ch]);
    }
  }
  const outcomes = Object.fromEntries(
    [...byRule.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([rule, s]) => [rule, { paths: s.teams.length, teams: stat(s.teams), webchat: stat(s.webchat), wechat: stat(s.wechat) }]),
  );
  return { lang, outcomes: paths.length, teams: stat(sizes.teams), webchat: stat(sizes.webchat), wechat: stat(sizes.wechat), byOutcome: outcomes };
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${JSON.stringify([await replyBytes('zh-CN'), await replyBytes('en')], null, 2)}\n`);
