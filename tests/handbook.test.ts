import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import MarkdownIt from 'markdown-it';
import { consoleText } from '../src/channels/console/render.js';
import { renderActivities } from '../src/render/activity.js';
import { plainText } from '../src/render/plain-text.js';
import { chat, conversation, knowledge } from './helpers.js';

/**
 * Compares the knowledge with the handbook's own text, section by section: the material lists with
 * their signatures, stamps and copies, the working days, the default passwords and the contacts.
 */
// CI runs on a bare clone, without the workplace's shared/ beside it: the tests read a copy kept in the
// repository, and where the authority is at hand they first check that the copy is still that text.
const HANDBOOK = readFileSync(new URL('./handbook/ekey-procedures.zh.txt', import.meta.url), 'utf8');
const AUTHORITY = new URL('../../shared/source/ekey-procedures.zh.txt', import.meta.url);

const ANCHORS: Record<string, [string, string | null]> = {
  'first-online': ['_Toc482190887', '_Toc482190888'],
  'first-offline': ['_Toc482190888', '_Toc482190889'],
  replacement: ['_Toc482190889', '_Toc482190890'],
  additional: ['_Toc482190890', '_Toc482190891'],
  'update-onsite': ['_Toc482190893', '_Toc482190894'],
  'update-online': ['_Toc482190894', '_Toc482190895'],
  unlock: ['_Toc482190895', '_Toc482190896'],
  'add-code-domestic': ['_Toc482190898', '_Toc482190899'],
  'add-code-foreign': ['_Toc482190899', '_Toc482190900'],
  revoke: ['_Toc482190900', null],
};

function section(id: string): string {
  const [from, to] = ANCHORS[id] as [string, string | null];
  const start = HANDBOOK.indexOf(from);
  const end = to ? HANDBOOK.indexOf(to) : HANDBOOK.length;
  expect(start).toBeGreaterThan(-1);
  return HANDBOOK.slice(start, end);
}

const k = knowledge();
const zh = k.locales['zh-CN'];
const materialName = (id: string) => zh.materials[id] as string;

describe('the knowledge says what the handbook says', () => {
  it('reads the handbook itself', () => {
    const authority = existsSync(AUTHORITY) ? readFileSync(AUTHORITY, 'utf8') : HANDBOOK;
    expect(HANDBOOK).toBe(authority);
    for (const [from] of Object.values(ANCHORS)) expect(HANDBOOK).toContain(from);
  });

  it('covers every procedure section of the handbook', () => {
    expect([...k.procedures.keys()].sort()).toEqual(Object.keys(ANCHORS).sort());
  });

  for (const id of Object.keys(ANCHORS)) {
    describe(id, () => {
      const text = section(id);
      const p = k.procedures.get(id)!;

      it('lists the same materials, in order, with the same signature, stamp and copies', () => {
        const handbook = [...text.matchAll(/^\d (.+?)[；;-]*（([^（）]*)）\s*$/gm)].map((m) => `${m[1]}（${m[2]}）`);
        const ours = p.materials.map((m) => {
          const name = m.material
            ? materialName(m.material)
            : `“${materialName(m.byEnterpriseType!.domestic)}”或“${materialName(m.byEnterpriseType!.foreign)}”`;
          const who = m.signedBy === 'legal-representative' ? '法人签字' : m.signedBy === 'authorised-user' ? '授权用户签字' : '';
          const stamp = m.stamp ? '盖公章，' : '';
          const count = m.quantity.unit === 'item' ? `${m.quantity.count}个` : `${m.upload?.imageFormat ? '图片格式' : ''}${m.quantity.count === 1 ? '一' : m.quantity.count}份`;
          return `${name}（${who}${stamp}${count}）`;
        });
        expect(ours).toEqual(handbook);
      });

      it('asks for scans under 200KB exactly where the handbook does', () => {
        const uploads = p.materials.filter((m) => m.upload);
        expect(uploads.length > 0).toBe(/小于200KB/.test(text));
        for (const m of uploads) expect(m.upload!.maxKB).toBe(200);
      });

      it('gives the working days of each stage', () => {
        const timeLine = text.split('\n').find((l) => l.includes('办理时间：')) ?? '';
        const days = [...timeLine.matchAll(/(\d+)个工作日/g)].map((m) => Number(m[1]));
        expect(p.stages.map((s) => s.workingDays)).toEqual(days);
      });

      it('gives the default passwords exactly where the handbook does', () => {
        const handbook = [...text.matchAll(/“([^”]+)”的默认口令为[“"]([^”]+)”/g)].map((m) => `${m[1]}=${m[2]}`);
        const ours = p.defaultPasswords ? k.systems.map((s) => `${(zh.common as any).system[s.id]}=${s.defaultPassword}`) : [];
        expect(ours).toEqual(handbook);
      });

      it('gives the contacts of its section', () => {
        const contactPart = text.slice(text.search(/\d\.? ?联系方式/));
        const handbook = [...contactPart.matchAll(/^[^：\n]*(?:电话|网址)：(.+)$/gm)].map((m) => (m[1] as string).trim()).sort();
        const ours = p.contacts.map((c) => k.contacts[c]!.value).sort();
        expect(ours).toEqual(handbook);
      });
    });
  }

  it('keeps the three systems and passwords of the handbook', () => {
    expect(k.systems.map((s) => s.defaultPassword)).toEqual(['99999999', '99999999', 'Tecimp1']);
  });
});

/**
 * The second audit (issue 10): each finding as the user meets it, in both languages, and the wording
 * compared with the handbook's own text.
 */
describe('the second audit of the handbook', () => {
  const LANGS = ['zh-CN', 'en'] as const;
  const c = conversation();
  const md = new MarkdownIt();
  /** What a Markdown renderer shows: the HTML's text, with emphasis gone if the asterisks were read as marks. */
  const shown = (markdown: string) => {
    const html = md.render(markdown);
    return { html, text: html.replace(/<[^>]+>/g, '').replace(/&quot;/g, '"').replace(/&amp;/g, '&') };
  };

  describe('1. "O=*****" reaches every channel as written (4.3.1)', () => {
    expect(HANDBOOK).toContain('“0=*****”');
    for (const lang of LANGS) {
      it(`in ${lang}`, async () => {
        const r = await chat([lang === 'en' ? 'how do i check if my certificate has the 18-digit code' : '查询证书中是否包含18位代码'], lang);
        const outcome = r.last.find((m) => m.type === 'outcome');
        expect(outcome?.type === 'outcome' && outcome.outcome.rule).toBe('check-code');
        const t = c.t(lang);
        const [activity] = renderActivities([outcome!], t, { channelId: 'webchat', lang });
        // Web Chat: the activity's Markdown and every TextBlock of the card, rendered as Markdown.
        const text = shown(activity!.text!);
        expect(text.html).not.toMatch(/<(em|strong)>[^<]*(O 项|this O entry)/);
        expect(text.text.match(/O=\*\*\*\*\*/g)).toHaveLength(2);
        const card = activity!.attachments![0]!.content;
        const blocks = JSON.stringify(card.body).match(/"text":"((?:[^"\\]|\\.)*)"/g)!.map((s) => JSON.parse(s.slice(7)) as string);
        expect(blocks.map((b) => shown(b).text).join('\n').match(/O=\*\*\*\*\*/g)).toHaveLength(2);
        // The card's fallback text, the terminal and WeChat (plain text): literally.
        expect(card.fallbackText!.match(/O=\*\*\*\*\*/g)).toHaveLength(2);
        const plain = plainText(outcome!, t);
        expect(plain.match(/O=\*\*\*\*\*/g)).toHaveLength(2);
        expect(plain).not.toContain('\\*');
        expect(consoleText(outcome!, t)).toBe(plain);
      });
    }
  });
});
