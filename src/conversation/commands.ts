import type { Knowledge } from '../knowledge/model.js';
import type { CommandName } from '../knowledge/schema.js';
import { Clauses, occurrences, type Span } from '../understand/clauses.js';
import { type Engine, engineFor } from '../understand/engine.js';
import { normalise, normaliseClauses } from '../understand/normalise.js';
import { applyCorrections } from '../understand/pinyin.js';

/** A case reference as it looks in normalised text (src/cases/reference.ts reads it). */
const REFERENCE_WORDS = /ek\s*-?\s*\d{8}\s*-?\s*[0-9a-z]{6}/g;
/** A sentence that asks for a command is short; a longer one is about something else. */
const MAX_REQUEST = 80;
/** Words (Chinese characters or English words) a clause may hold beyond the command and the words of asking. */
const MAX_OTHER = 2;

/**
 * Recognises one of the anytime commands: a whole message that is one ("返回上一步", "help", "English"), or a
 * clause whose request it is ("钥匙丢了，能帮我转人工吗", "can I talk to a person?", "English please"): once
 * the command's words and the words of asking (dialogs/lexicon.json, commandFillers) are taken away, at most
 * a word or two is left, and no negator stands before the command. A command named in passing ("我不需要转人工",
 * "转人工有什么用") is none. Typed through pinyin ("转人公", "从新开始") it is read as the understanding reads
 * homophones.
 */
export class CommandReader {
  private readonly words = new Map<string, CommandName>();
  private readonly fillers: string[];
  private readonly engine: Engine;
  /** The command words as one list made once: occurrences() works out per list which of its words are ASCII. */
  private readonly wordList: readonly string[];

  constructor(k: Knowledge) {
    for (const [name, list] of Object.entries(k.commands) as [CommandName, string[]][])
      for (const w of list) {
        this.words.set(w.normalize('NFKC').trim().toLowerCase(), name);
        const n = normalise(w);
        if (n) this.words.set(n, name);
      }
    this.fillers = [...new Set(k.lexicon.commandFillers.map(normalise).filter(Boolean))].sort((a, b) => b.length - a.length);
    this.engine = engineFor(k);
    this.wordList = [...this.words.keys()];
  }

  /**
   * `answers`: the message also answers a question; then "help" in it ("password locked, pls help") asks
   * for help with what it says, which the answers give, and is no command.
   */
  read(text: string, answers = false): CommandName | undefined {
    // normaliseClauses() gives normalise()'s text, and the understanding of this turn has just made it for the same text.
    const whole = this.words.get(text.normalize('NFKC').trim().toLowerCase()) ?? this.words.get(normaliseClauses(text).text);
    if (whole) return whole;
    const found = this.inSentence(text);
    return found === 'help' && answers ? undefined : found;
  }

  private inSentence(text: string): CommandName | undefined {
    const spelt = normaliseClauses(this.engine.spelling.correct(text.normalize('NFKC').toLowerCase()));
    if (!spelt.text || spelt.text.length > MAX_REQUEST) return undefined;
    const found = this.inClauses(spelt.text, spelt.breaks);
    if (found) return found;
    const fixed = applyCorrections(spelt.text, this.engine.pinyin.corrections(spelt.text, []));
    return fixed === spelt.text ? undefined : this.inClauses(fixed, spelt.breaks);
  }

  private inClauses(plain: string, breaks: readonly number[]): CommandName | undefined {
    // Made only for a clause that names a command, to look for a negator: most messages name none.
    let clauses: Clauses | undefined;
    const clausesOf = () => (clauses ??= new Clauses(plain, breaks, this.engine.words));
    const bounds = [0, ...breaks.map((b) => b + 1), plain.length + 1];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const from = bounds[i] as number;
      const found = this.inClause(plain, from, (bounds[i + 1] as number) - 1, clausesOf);
      if (found) return found;
    }
    return undefined;
  }

  private inClause(plain: string, from: number, to: number, clauses: () => Clauses): CommandName | undefined {
    const part = plain.slice(from, to);
    const commands: Span[] = [];
    let reach = 0;
    for (const s of occurrences(part, this.wordList))
      if (s.start >= reach) {
        commands.push(s);
        reach = s.end;
      }
    const names = new Set(commands.map((s) => this.words.get(part.slice(s.start, s.end))));
    if (names.size !== 1) return undefined;
    if (commands.some((c) => clauses().negated({ start: c.start + from, end: c.end + from }))) return undefined;
    const covered = new Array<boolean>(part.length).fill(false);
    const cover = (s: Span) => covered.fill(true, s.start, s.end);
    commands.forEach(cover);
    for (const f of occurrences(part, this.fillers)) if (!commands.some((c) => c.start < f.end && f.start < c.end)) cover(f);
    // A case reference beside "查询进度" is what the command is about, not other words ("查下EK-…的进度").
    // By character, as `covered` has always been read (a character outside the BMP counts as one place).
    let uncovered = '';
    let i = 0;
    for (const ch of part) uncovered += covered[i++] ? ' ' : ch;
    const rest = uncovered.replace(REFERENCE_WORDS, ' ');
    const other = (rest.match(/\p{Script=Han}/gu)?.length ?? 0) + (rest.match(/[a-z0-9]+/g)?.length ?? 0);
    return other <= MAX_OTHER ? [...names][0] : undefined;
  }
}
