import type { Knowledge } from '../knowledge/model.js';
import type { CommandName } from '../knowledge/schema.js';
import { occurrences, type Span } from '../understand/clauses.js';
import { normalise } from '../understand/normalise.js';

/**
 * Recognises one of the anytime commands: a whole message that is one ("返回上一步", "help", "English"), or a
 * sentence whose request it is ("能帮我转人工吗", "can I talk to a person?", "English please"): what is
 * left once the words of asking (dialogs/lexicon.json, commandFillers) are taken away is a command. A
 * command named in passing ("我不需要转人工", "转人工有什么用") leaves other words behind, and is none.
 */
/** A sentence that asks for a command is short; a longer one is about something else. */
const MAX_REQUEST = 80;

export class CommandReader {
  private readonly words = new Map<string, CommandName>();
  private readonly fillers: string[];

  constructor(k: Knowledge) {
    for (const [name, list] of Object.entries(k.commands) as [CommandName, string[]][])
      for (const w of list) {
        this.words.set(w.normalize('NFKC').trim().toLowerCase(), name);
        const n = normalise(w);
        if (n) this.words.set(n, name);
      }
    this.fillers = [...new Set(k.lexicon.commandFillers.map(normalise).filter(Boolean))].sort((a, b) => b.length - a.length);
  }

  read(text: string): CommandName | undefined {
    const plain = normalise(text);
    const whole = this.words.get(text.normalize('NFKC').trim().toLowerCase()) ?? this.words.get(plain);
    if (whole || !plain || plain.length > MAX_REQUEST) return whole;
    // Command words first, longest at each place; fillers only where no command word is.
    const commands: Span[] = [];
    let reach = 0;
    for (const s of occurrences(plain, [...this.words.keys()]))
      if (s.start >= reach) {
        commands.push(s);
        reach = s.end;
      }
    const names = new Set(commands.map((s) => this.words.get(plain.slice(s.start, s.end))));
    if (names.size !== 1) return undefined;
    const covered = new Array<boolean>(plain.length).fill(false);
    const cover = (s: Span) => covered.fill(true, s.start, s.end);
    commands.forEach(cover);
    for (const f of occurrences(plain, this.fillers)) if (!commands.some((c) => c.start < f.end && f.start < c.end)) cover(f);
    for (let i = 0; i < plain.length; i++) if (!covered[i] && plain[i] !== ' ') return undefined;
    return [...names][0];
  }
}
