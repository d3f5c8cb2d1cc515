import type { Knowledge } from '../knowledge/model.js';
import type { CommandName } from '../knowledge/schema.js';
import { normalise } from '../understand/normalise.js';

/** Recognises a whole message that is one of the anytime commands ("返回上一步", "help", "English"). */
export class CommandReader {
  private readonly words = new Map<string, CommandName>();

  constructor(k: Knowledge) {
    for (const [name, list] of Object.entries(k.commands) as [CommandName, string[]][])
      for (const w of list) {
        this.words.set(w.normalize('NFKC').trim().toLowerCase(), name);
        const n = normalise(w);
        if (n) this.words.set(n, name);
      }
  }

  read(text: string): CommandName | undefined {
    return this.words.get(text.normalize('NFKC').trim().toLowerCase()) ?? this.words.get(normalise(text));
  }
}
