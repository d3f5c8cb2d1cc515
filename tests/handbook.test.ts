import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaseService } from '../src/cases/service.js';
import { Consultation } from '../src/consult/consultation.js';
import { KnowledgeError } from '../src/knowledge/errors.js';
import { loadKnowledge, PROJECT_ROOT } from '../src/knowledge/load.js';
import { MemoryCaseStore } from './memory-case-store.js';
import MarkdownIt from 'markdown-it';
import { consoleText } from '../src/channels/console/render.js';
import { procedureDot, WIDTHS } from '../src/flowcharts/procedure-chart.js';
import { StatusDialog } from '../src/conversation/status-dialog.js';
import type { CaseDesk } from '../src/conversation/case-desk.js';
import { renderActivities } from '../src/render/activity.js';
import { plainText } from '../src/render/plain-text.js';
import { chat, conversation, knowledge, questionId } from './helpers.js';
import type { Message } from '../src/conversation/messages.js';

const outcomeRuleOf = (m: Message | undefined) => (m?.type === 'outcome' ? m.outcome.rule : undefined);

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
          const name = m.material ? materialName(m.material) : `“${materialName(m.byEnterpriseType!.domestic)}”或“${materialName(m.byEnterpriseType!.foreign)}”`;
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
    return {
      html,
      text: html
        .replace(/<[^>]+>/g, '')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&'),
    };
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
        // Web Chat and Teams: the outcome is one card, whose TextBlocks hosts read as Markdown.
        expect(activity!.text ?? '').not.toMatch(/O=/);
        const card = activity!.attachments![0]!.content;
        const blocks = JSON.stringify(card.body)
          .match(/"text":"((?:[^"\\]|\\.)*)"/g)!
          .map((s) => JSON.parse(s.slice(7)) as string);
        const rendered = blocks.map((b) => shown(b));
        expect(rendered.map((r) => r.html).join('\n')).not.toMatch(/<(em|strong)>[^<]*(O 项|this O entry)/);
        expect(
          rendered
            .map((r) => r.text)
            .join('\n')
            .match(/O=\*\*\*\*\*/g),
        ).toHaveLength(2);
        // The card's fallback text, the terminal and WeChat (plain text): literally.
        expect(card.fallbackText!.match(/O=\*\*\*\*\*/g)).toHaveLength(2);
        const plain = plainText(outcome!, t, undefined);
        expect(plain.match(/O=\*\*\*\*\*/g)).toHaveLength(2);
        expect(plain).not.toContain('\\*');
        expect(consoleText(outcome!, t, undefined)).toBe(plain);
      });
    }
  });
  const texts = (lang: (typeof LANGS)[number], id: string) => k.locales[lang].procedures[id] as Record<string, Record<string, string> | string>;
  const stepsOf = (lang: (typeof LANGS)[number], id: string) => texts(lang, id).steps as Record<string, string>;
  const notesOf = (lang: (typeof LANGS)[number], id: string) => texts(lang, id).notes as Record<string, string>;
  const allText = (lang: (typeof LANGS)[number], id: string) =>
    [texts(lang, id).applies as string, ...Object.values(stepsOf(lang, id)), ...Object.values(notesOf(lang, id))].join('\n');
  const flat = (lang: (typeof LANGS)[number]) => JSON.stringify(k.locales[lang]);

  describe('2. "can\'t log in" asks about the PIN before any answer (4(2): the key\'s PIN, not a system login password)', () => {
    const CASES = {
      'zh-CN': { says: ['登录不了系统', '系统登不上', '系统登录不了'], pin: 'PIN码', login: '登录密码' },
      en: { says: ["can't log in", 'I cannot log into the system'], pin: 'PIN', login: 'login password' },
    } as const;
    it('the handbook: a locked PIN makes the key unusable, and the PIN is not the login password', () => {
      expect(section('unlock')).toContain('PIN密码解锁流程（非系统登录密码）');
      expect(section('unlock')).toContain('将被锁死，此时电子钥匙无法使用');
    });
    for (const lang of LANGS) {
      for (const says of CASES[lang].says) {
        it(`${lang}: "${says}"`, async () => {
          const first = await chat([says], lang);
          expect(first.outcome).toBeUndefined();
          expect(questionId(first.last)).toBe('lockKind');
          expect(outcomeRuleOf((await chat([says, CASES[lang].pin], lang)).outcome)).toBe('unlock-pin');
          expect(outcomeRuleOf((await chat([says, CASES[lang].login], lang)).outcome)).toBe('login-password');
        });
      }
    }
  });

  describe('4. a certificate that would expire before the online check ends goes to the on-site update, saying why', () => {
    it("the handbook: online update only while unexpired, after the provider's 5 working days of checking", () => {
      expect(section('update-online')).toContain('电子认证证书还未过期');
      expect(section('update-online')).toContain('电子钥匙服务商核验材料时间为5个工作日');
    });
    const SAYS = {
      'zh-CN': (date: string) => [`证书${date}到期，银色钥匙，证书里有18位代码`],
      en: (date: string) => [`the certificate expires on ${date}, silver key, it has the 18-digit code`],
    } as const;
    for (const lang of LANGS) {
      it(`${lang}: counted on the working-day calendar from today`, async () => {
        // Today Monday 2026-11-23: the check ends on Monday 2026-11-30.
        const early = await chat(SAYS[lang]('2026-11-25'), lang);
        expect(outcomeRuleOf(early.outcome)).toBe('update-expires-during-check');
        expect(early.outcome?.type === 'outcome' && early.outcome.outcome.procedures.map((p) => p.id)).toEqual(['update-onsite']);
        const text = plainText(early.outcome!, c.t(lang), undefined);
        expect(text).toContain(c.t(lang)('outcomes:update-expires-during-check'));
        expect(text).toContain('2026-11-25');
        // Expiring the day the check ends, or later, leaves the online update open (the last question is asked).
        for (const date of ['2026-11-30', '2026-12-01']) expect(questionId((await chat(SAYS[lang](date), lang)).last), date).toBe('onlineFailed');
        // The National Day holiday and the make-up Saturday of 2026: from 29 September the check ends on 12 October.
        const holiday = await chat(SAYS[lang]('2026-10-09'), lang, conversation('2026-09-29'));
        expect(outcomeRuleOf(holiday.outcome)).toBe('update-expires-during-check');
        expect(questionId((await chat(SAYS[lang]('2026-10-12'), lang, conversation('2026-09-29'))).last)).toBe('onlineFailed');
      });
    }
    it('takes "expires tomorrow" without a date for the same', async () => {
      expect(outcomeRuleOf((await chat(['证书明天到期，银色钥匙，有18位代码'])).outcome)).toBe('update-expires-during-check');
      expect(outcomeRuleOf((await chat(['the certificate expires tomorrow, silver key, it has the 18-digit code'], 'en')).outcome)).toBe('update-expires-during-check');
    });
  });

  describe('5. "其他特殊情况" (4.1.1) reaches the on-site update, with that reason shown', () => {
    const SAYS = {
      'zh-CN': { text: ['证书快到期了，银色钥匙，证书信息有误', '有'], label: '其他特殊情况' },
      en: { text: ['the certificate expires soon, silver key, the certificate information is wrong', 'yes'], label: 'other special case' },
    } as const;
    it('the handbook lists it', () => expect(section('update-onsite')).toContain('· 其他特殊情况。'));
    for (const lang of LANGS) {
      it(lang, async () => {
        const r = await chat([...SAYS[lang].text], lang);
        expect(r.outcome?.type === 'outcome' && r.outcome.outcome.procedures.map((p) => p.id)).toEqual(['update-onsite']);
        const text = plainText(r.outcome!, c.t(lang), undefined);
        expect(text).toContain(c.t(lang)('outcomes:update-special'));
        expect(text.toLowerCase()).toContain(SAYS[lang].label);
        expect(text).toContain(c.t(lang)('questions:specialCase.options.yes'));
      });
    }
    it('is never asked of those who do not say it: the online update is as short as before', async () => {
      const r = await chat(['外资企业，证书下个月到期，钥匙是银色的', '有', '没有']);
      expect(outcomeRuleOf(r.outcome)).toBe('update-online');
    });
  });

  describe('12. the working-day calendar takes a year from rules/calendar/, and each file says when it was last reviewed', () => {
    const copies: string[] = [];
    afterAll(() => copies.forEach((d) => rmSync(d, { recursive: true, force: true })));
    /** A copy of the knowledge with a calendar file: a made-up arrangement, for the test only. */
    const withCalendar = (name: string, year: unknown): string => {
      const dir = mkdtempSync(join(tmpdir(), 'ekey-calendar-'));
      copies.push(dir);
      for (const d of ['rules', 'dialogs', 'locales']) cpSync(join(PROJECT_ROOT, d), join(dir, d), { recursive: true });
      mkdirSync(join(dir, 'rules', 'calendar'), { recursive: true });
      writeFileSync(join(dir, 'rules', 'calendar', name), JSON.stringify(year));
      return dir;
    };
    const YEAR = {
      year: 2027,
      source: 'test fixture, not the State Council notice',
      holidays: [
        { name: '元旦', from: '2027-01-01', to: '2027-01-03' },
        { name: '春节', from: '2027-02-05', to: '2027-02-11' },
      ],
      workdays: [{ name: '春节', date: '2027-02-14' }],
    };

    it('counts the holidays and make-up working days of the added year in the expected dates', async () => {
      expect(k.calendar.covers('2027-02-08')).toBe(false);
      const k2 = loadKnowledge(withCalendar('2027.json', YEAR));
      expect(k2.calendar.years.last).toBe(2027);
      expect(k2.calendar.isWorkingDay('2027-02-08')).toBe(false);
      expect(k2.calendar.isWorkingDay('2027-02-14')).toBe(true);
      const answers = { need: 'first', applyMode: 'offline', enterpriseType: 'domestic' };
      const open = async (kn: typeof k) => {
        const step = await new Consultation(kn).next(answers);
        if (step.kind !== 'outcome') throw new Error('no outcome');
        const cases = new CaseService(kn, new MemoryCaseStore(), () => new Date('2027-02-04T02:00:00Z'));
        return (await cases.open({ outcome: step.outcome, answers, lang: 'zh-CN', channel: 'test' })).expected;
      };
      // Thursday 4 February: the 2 days of verification are Friday 12 and the make-up Sunday 14.
      expect((await open(k2))[0]).toMatchObject({ end: '2027-02-14', holidaysCounted: true });
      expect((await open(k))[0]).toMatchObject({ end: '2027-02-08', holidaysCounted: false });
    });

    it("refuses a file that is not a year's arrangement, naming the file and the path", () => {
      const refused = (name: string, year: unknown) => {
        try {
          loadKnowledge(withCalendar(name, year));
        } catch (err) {
          expect(err).toBeInstanceOf(KnowledgeError);
          return (err as Error).message;
        }
        throw new Error('accepted');
      };
      expect(refused('2027.json', { ...YEAR, workdays: [{ name: '春节', date: '2027-02-15' }] })).toContain(
        'rules/calendar/2027.json: $.workdays[0].date: 2027-02-15 is a weekday',
      );
      expect(refused('2028.json', YEAR)).toContain('rules/calendar/2028.json: $.year: year 2027 does not match the file name');
      expect(refused('2027.json', { ...YEAR, holidays: [{ name: '国庆节', from: '2029-10-01', to: '2029-10-07' }] })).toContain('$.holidays[0].from');
      expect(refused('2027.json', { ...YEAR, holidays: [{ name: '元旦', from: '2027-01-03', to: '2027-01-01' }] })).toContain('$.holidays[0].to');
      expect(refused('2027.json', { ...YEAR, workdays: [{ name: '元旦', date: '2027-01-02' }] })).toContain('$.workdays[0].date: 2027-01-02 is also a day off');
    });

    it("npm run validate prints each procedure's handbook section and last-reviewed date, and the calendar's years", () => {
      const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/validate.ts'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
      for (const p of [...k.procedures.values(), ...k.guides.values()]) {
        expect(p.reviewed).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(out).toMatch(new RegExp(`^  ${p.id} +${p.section.replace(/[()]/g, '\\$&')} +reviewed ${p.reviewed}$`, 'm'));
      }
      expect(out).toContain(`chinese-days ${k.calendar.years.first}-`);
    });
  });

  describe("3. a case's status and next step use its own procedure's verb", () => {
    const VERBS: Record<string, { handbook: RegExp; zh: RegExp; en: RegExp }> = {
      make: { handbook: /制作/, zh: /制作/, en: /\bmad?k(e|es|ing)\b|\bmade\b/ },
      update: { handbook: /更新完成|更新电子钥匙/, zh: /更新/, en: /updat/ },
      unlock: { handbook: /解锁完成|解锁电子钥匙/, zh: /解锁/, en: /unlock/ },
      change: { handbook: /变更信息|信息变更/, zh: /变更信息|信息变更/, en: /chang/ },
    };
    const OTHERS = { zh: /制作|更新|解锁|变更信息|信息变更/g, en: /\bmad?k(e|es|ing)\b|\bmade\b|updat\w*|unlock\w*|chang\w*/g };
    const dialog = new StatusDialog(k, {} as CaseDesk);
    const onsite = k.lifecycles.get('onsite')!;
    for (const id of onsite.procedures) {
      it(id, () => {
        const verb = onsite.wording!.byProcedure[id]!;
        expect(section(id)).toMatch(VERBS[verb]!.handbook);
        for (const lang of LANGS) {
          const t = c.t(lang);
          const key = lang === 'en' ? 'en' : 'zh';
          for (const s of onsite.wording!.statuses) {
            const text = dialog.describe(
              { reference: 'EK-20261123-ABCDEF', lifecycle: 'onsite', status: s, statusOn: '2026-11-23', procedures: [id], tracked: id, courierToAuthority: true, expected: [] },
              t,
            );
            const said = [...text.replace(/（[^）]*）|\([^)]*\)/g, '').matchAll(OTHERS[key])].map((m) => m[0]);
            for (const word of said) expect(`${lang} ${s}: ${word}`).toMatch(VERBS[verb]![key]);
            if (s === 'reviewed') expect(said.length, `${lang} ${s}`).toBeGreaterThan(0);
          }
        }
      });
    }
  });

  describe('6. resubmitting is a step only where the handbook describes it (1(1) step 6)', () => {
    for (const id of Object.keys(ANCHORS)) {
      it(id, () => {
        const handbook = /重新提交/.test(section(id));
        const p = k.procedures.get(id)!;
        expect(p.steps.some((s) => s.onFail)).toBe(handbook);
        expect(Object.values(stepsOf('zh-CN', id)).some((x) => /重新提交|补正/.test(x))).toBe(handbook);
        expect(Object.values(stepsOf('en', id)).some((x) => /(submit|upload)s? (them |it )?again|corrects/.test(x))).toBe(handbook);
        for (const lang of LANGS) {
          const dot = procedureDot(p, c.t(lang), WIDTHS[lang]);
          expect(dot.includes('#A3001B'), `${lang}: a red way back in the flowchart`).toBe(handbook);
        }
      });
    }
    it("keeps the handbook's own statement instead: a wrong entry is not passed and slows the procedure", () => {
      for (const id of Object.keys(ANCHORS)) if (/不予通过/.test(section(id))) expect(notesOf('zh-CN', id)['check-carefully']).toMatch(/不予通过，会影响.*办理速度/);
    });
  });

  describe('7. the lost key only adds that the certificate can also be revoked (section 5 lists a lost key)', () => {
    it('in both languages', () => {
      expect(section('revoke')).toContain('电子钥匙丢失');
      expect(HANDBOOK).not.toContain('他人使用');
      const zhText = k.locales['zh-CN'].outcomes['replacement-lost'] as string;
      expect(zhText).toContain('注销');
      expect(zhText).not.toMatch(/防止|他人/);
      const enText = k.locales.en.outcomes['replacement-lost'] as string;
      expect(enText).toContain('revoke');
      expect(enText).not.toMatch(/prevent|anyone else|others/i);
    });
  });

  describe("8. the courier and the icon in the handbook's words", () => {
    it('says what the handbook says of the courier, and nothing of courier time', () => {
      const words = '之后电子钥匙由快递寄出至发证机构（审批机关）';
      expect(HANDBOOK).toContain(words);
      expect(HANDBOOK).not.toContain('快递时间');
      expect(flat('zh-CN')).not.toContain('快递时间不计在内');
      expect(flat('en')).not.toMatch(/courier time/i);
      const ui = (lang: (typeof LANGS)[number]) => k.locales[lang].ui as any;
      expect(ui('zh-CN').outcome.courierToAuthority).toContain(words);
      expect(ui('zh-CN').flowchart.courier).toContain(words);
      expect(ui('en').outcome.courierToAuthority).toContain('sent by courier to the issuing authority (发证机构（审批机关）)');
    });
    it('double-clicks the icon at the bottom right of the computer (4.3.1)', () => {
      expect(HANDBOOK).toContain('双击电脑右下角');
      const zhStep = (k.locales['zh-CN'].guides as any)['check-code'].steps['open-tool'] as string;
      expect(zhStep).toContain('双击电脑右下角图标');
      expect(zhStep).not.toMatch(/任务栏|电子钥匙图标/);
      const enStep = (k.locales.en.guides as any)['check-code'].steps['open-tool'] as string;
      expect(enStep).toContain('bottom right of the computer');
      expect(enStep).not.toMatch(/taskbar|e-key icon/i);
    });
  });

  describe('9. the cross-references the handbook makes from a section are in its outcome', () => {
    // 4.3.3 names 4.1.2 where it means the on-site update of 4.1.1 (READING-NOTES, errata).
    const ERRATA: Record<string, Record<string, string>> = { 'add-code-foreign': { '4.1.2': '4.1.1' } };
    for (const id of Object.keys(ANCHORS)) {
      const refs = [...new Set([...section(id).matchAll(/4\.\d\.\d(?! \[bookmark)/g)].map((m) => ERRATA[id]?.[m[0]] ?? m[0]))];
      if (refs.length === 0) continue;
      it(`${id} points to ${refs.join(', ')}`, () => {
        for (const lang of LANGS) for (const ref of refs) expect(allText(lang, id), `${lang} ${ref}`).toContain(ref);
      });
    }
  });

  describe("9. the 4.3.2 flowchart has the boxes the handbook's chart names", () => {
    const chart = section('add-code-domestic').slice(section('add-code-domestic').indexOf('内资企业添加代码办理流程图'));
    const boxes = ['联系审批机关开户', '忘记账号密码'];
    for (const lang of LANGS) {
      it(lang, () => {
        const dot = procedureDot(k.procedures.get('add-code-domestic')!, c.t(lang), WIDTHS[lang]).replace(/\\n|\n|<BR[^>]*>/g, '');
        for (const b of boxes) {
          expect(chart).toContain(b);
          expect(dot).toContain(b);
        }
      });
    }
  });

  describe('10. the provider is "电子钥匙服务商公司" in the steps, as the handbook names it there', () => {
    for (const id of Object.keys(ANCHORS)) {
      it(id, () => {
        const handbookSteps = section(id)
          .split('\n')
          .filter((l) => /^步骤/.test(l))
          .join('\n');
        const zhSteps = Object.values(stepsOf('zh-CN', id)).join('\n');
        const enSteps = Object.values(stepsOf('en', id)).join('\n');
        if (handbookSteps.includes('电子钥匙服务商公司')) {
          expect(zhSteps).toContain('电子钥匙服务商公司');
          expect(zhSteps).not.toMatch(/电子钥匙服务商(?!公司)/);
          expect(enSteps).not.toMatch(/e-key service provider(?! company)/);
        }
        // 4.3.2 says "电子钥匙服务提供商" in its note on the update.
        if (section(id).includes('电子钥匙服务提供商')) expect(zhSteps).toContain('电子钥匙服务提供商');
        // The times keep their own wording: "电子钥匙服务商收到...".
        for (const label of Object.values((texts('zh-CN', id).stages ?? {}) as Record<string, string>)) expect(label).not.toContain('服务商公司');
        const liability = /电子钥匙服务商公司及发证机构/.test(section(id));
        if (liability) {
          expect(Object.values(notesOf('zh-CN', id)).join('\n')).toContain('电子钥匙服务商公司及发证机构（审批机关）不承担任何责任');
          expect(Object.values(notesOf('en', id)).join('\n')).toMatch(/e-key service provider company and the issuing authority/i);
        }
      });
    }
    it('names the actor of a provider step so', () => {
      expect((k.locales['zh-CN'].common as any).actor.provider).toBe('电子钥匙服务商公司');
      expect((k.locales.en.common as any).actor.provider).toMatch(/service provider company/i);
    });
  });

  describe('11. the wording of the notes, the hotline labels, the actors and the update form', () => {
    for (const id of Object.keys(ANCHORS)) {
      it(`${id}: the "check carefully" note is the handbook's sentence`, () => {
        const line = section(id)
          .split('\n')
          .find((l) => l.startsWith('· 如果客户'))!;
        expect(notesOf('zh-CN', id)['check-carefully']).toBe(line.slice(2).replace(/客户/g, ''));
        const en = notesOf('en', id)['check-carefully']!;
        if (line.includes('上传')) expect(en).toContain('upload');
        if (line.includes('复核')) expect(en).toContain('review');
      });

      it(`${id}: each contact carries the handbook's label`, () => {
        const contactPart = section(id).slice(section(id).search(/\d\.? ?联系方式/));
        const handbook = [...contactPart.matchAll(/^([^：\n]*(?:电话|网址))：(.+)$/gm)].map((m) => `${m[1]}：${(m[2] as string).trim()}`).sort();
        const p = k.procedures.get(id)!;
        expect(p.contacts.map((cid) => `${(zh.common as any).contact[cid]}：${k.contacts[cid]!.value}`).sort()).toEqual(handbook);
        for (const cid of p.contacts)
          if ((zh.common as any).contact[cid].startsWith('电子钥匙服务商')) expect((k.locales.en.common as any).contact[cid]).toMatch(/^E-key service provider/);
      });

      it(`${id}: each step is led by its own actor`, () => {
        const p = k.procedures.get(id)!;
        for (const s of p.steps) {
          const zhText = stepsOf('zh-CN', id)[s.id]!;
          const zhActor = /^由?发证机构/.test(zhText) ? 'authority' : /^由?电子钥匙服务(提供)?商/.test(zhText) ? 'provider' : 'enterprise';
          expect(`${s.id}: ${zhActor}`).toBe(`${s.id}: ${s.actor}`);
          const enText = stepsOf('en', id)[s.id]!;
          const enActor = /^(When )?The issuing authority/i.test(enText) ? 'authority' : /^(On receipt, )?the e-key service provider/i.test(enText) ? 'provider' : 'enterprise';
          expect(`${s.id}: ${enActor}`).toBe(`${s.id}: ${s.actor}`);
        }
      });
    }

    it('keeps the Chinese name beside the English "update form"', () => {
      const en = flat('en');
      expect(en).toContain('update form');
      expect(en.match(/update form(?! \(更新表格\))/g)).toBeNull();
    });
  });
});
