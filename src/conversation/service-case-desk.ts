import type { CaseDesk, CaseView } from './case-desk.js';
import type { CaseRecord } from '../cases/case-schema.js';
import { checklistPath } from '../cases/checklist-link.js';
import { lastFour } from '../cases/contact.js';
import { type DigitChecks, DigitGuard } from '../cases/digit-guard.js';
import type { CaseService } from '../cases/service.js';
import type { Target } from '../cases/notify-target.js';

/** The case store as the conversation sees it. */
export class ServiceCaseDesk implements CaseDesk {
  constructor(
    private readonly cases: CaseService,
    private readonly guard: DigitChecks = DigitGuard.inMemory(),
    /** Where the conversation `client` can be reached later, recorded with its case for the notices. */
    private readonly targetOf: (client: string) => Target | undefined = () => undefined,
  ) {}

  /** The case counts against the client's allowance of the day, kept by the store (CaseLimitError past it). */
  async open(req: Parameters<CaseDesk['open']>[0]): Promise<CaseView> {
    const notify = req.client ? this.targetOf(req.client) : undefined;
    return this.view(await this.cases.open({ ...req, ...(notify ? { notify } : {}) }));
  }

  async revise(reference: string, req: Parameters<CaseDesk['revise']>[1]): Promise<CaseView | undefined> {
    const c = await this.cases.revise(reference, req);
    return c && this.view(c);
  }

  async lookup(reference: string) {
    const c = await this.cases.get(reference);
    if (!c) return undefined;
    return { view: this.view(c), ...(c.contact?.mobile ? { lastFour: lastFour(c.contact.mobile) } : {}), ...((await this.guard.locked(reference)) ? { locked: true } : {}) };
  }

  async checkDigits(reference: string, digits: string, channel: string): Promise<'match' | 'wrong' | 'locked'> {
    if (await this.guard.locked(reference)) return 'locked';
    const c = await this.cases.get(reference);
    if (c?.contact?.mobile && lastFour(c.contact.mobile) === digits) return 'match';
    return (await this.guard.fail(reference, channel)) ? 'locked' : 'wrong';
  }

  async setContact(reference: string, contact: Parameters<CaseDesk['setContact']>[1]): Promise<void> {
    await this.cases.setContact(reference, contact);
  }

  async requestCallback(reference: string, transcript?: Parameters<CaseDesk['requestCallback']>[1]): Promise<void> {
    await this.cases.requestCallback(reference, transcript);
  }

  private view(c: CaseRecord): CaseView {
    const last = c.history.at(-1);
    const running = this.cases.running(c);
    const hasMaterials = c.procedures.some((id) => (this.cases.knowledge.procedures.get(id)?.materials.length ?? 0) > 0);
    return {
      reference: c.reference,
      lifecycle: c.lifecycle,
      status: c.status,
      statusOn: last?.on ?? c.createdAt.slice(0, 10),
      ...(last?.remark ? { remark: last.remark } : {}),
      ...(last?.resubmit ? { resubmit: last.resubmit } : {}),
      procedures: c.procedures,
      ...(c.tracked ? { tracked: c.tracked } : {}),
      courierToAuthority: c.tracked ? !!this.cases.knowledge.procedures.get(c.tracked)?.courierToAuthority : false,
      expected: c.expected.map((e) => ({ stage: e.stage, workingDays: e.workingDays, end: e.end, holidaysCounted: e.holidaysCounted })),
      ...(running ? { running: { stage: running.stage, workingDays: running.workingDays, end: running.end, holidaysCounted: running.holidaysCounted } } : {}),
      ...(hasMaterials && c.checklistKey ? { checklistPath: checklistPath(c) } : {}),
    };
  }
}
