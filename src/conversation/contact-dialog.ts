import { checkCreditCode, parseEnterpriseName, parseMobile } from '../cases/contact.js';
import type { Translate } from '../i18n.js';
import type { Knowledge } from '../knowledge/model.js';
import { normalise } from '../understand/normalise.js';
import type { CaseDesk } from './case-desk.js';
import type { ContactSlice, DeskState } from './desk-state.js';
import type { Message } from './messages.js';

const notice = (text: string): Message => ({ type: 'text', role: 'notice', text });
const error = (text: string): Message => ({ type: 'text', role: 'error', text });

/**
 * Optional contact details for the last case, asked one at a time after "登记联系方式": enterprise name,
 * unified social credit code (a failed GB 32100-2015 check is shown and may be confirmed, since some early
 * codes fail it), mobile number. The words of dialogs/contact.json leave a detail out or confirm a code.
 */
export class ContactDialog {
  private readonly yes: Set<string>;
  private readonly no: Set<string>;

  constructor(
    k: Knowledge,
    private readonly desk: CaseDesk,
  ) {
    this.yes = new Set(k.contactWords.confirm.map((w) => normalise(w)));
    this.no = new Set(k.contactWords.skip.map((w) => normalise(w)));
  }

  begin(d: DeskState, t: Translate): Message[] {
    if (!d.lastCase) return [notice(t('ui:contact.noCase'))];
    d.contact = { reference: d.lastCase.reference, step: 'name', draft: {} };
    return [notice(t('ui:contact.askName'))];
  }

  async answer(d: DeskState, c: ContactSlice, text: string, t: Translate): Promise<Message[]> {
    const said = normalise(text);
    const skip = this.no.has(said);
    switch (c.step) {
      case 'name': {
        if (!skip) {
          const name = parseEnterpriseName(text);
          if (!name) return [error(t('ui:contact.badName'))];
          c.draft.enterpriseName = name;
        }
        c.step = 'code';
        return [notice(t('ui:contact.askCode'))];
      }
      case 'codeConfirm':
        if (this.yes.has(said) && c.unconfirmedCode) {
          Object.assign(c.draft, { creditCode: c.unconfirmedCode, creditCodeCheckFailed: true });
          delete c.unconfirmedCode;
          c.step = 'mobile';
          return [notice(t('ui:contact.askMobile'))];
        }
        delete c.unconfirmedCode;
        if (skip) {
          c.step = 'code';
          return [notice(t('ui:contact.askCode'))];
        }
        return this.code(c, text, t);
      case 'code':
        if (skip) {
          c.step = 'mobile';
          return [notice(t('ui:contact.askMobile'))];
        }
        return this.code(c, text, t);
      case 'mobile': {
        if (!skip) {
          const mobile = parseMobile(text);
          if (!mobile) return [error(t('ui:contact.badMobile'))];
          c.draft.mobile = mobile;
        }
        return this.finish(d, c, t);
      }
    }
  }

  private code(c: ContactSlice, text: string, t: Translate): Message[] {
    const check = checkCreditCode(text);
    if (check.kind === 'malformed') {
      c.step = 'code';
      return [error(t('ui:contact.badCode'))];
    }
    if (check.kind === 'checkFailed') {
      c.step = 'codeConfirm';
      c.unconfirmedCode = check.code;
      return [notice(t('ui:contact.codeCheckFailed', { code: check.code }))];
    }
    c.draft.creditCode = check.code;
    c.step = 'mobile';
    return [notice(t('ui:contact.askMobile'))];
  }

  private async finish(d: DeskState, c: ContactSlice, t: Translate): Promise<Message[]> {
    delete d.contact;
    if (Object.keys(c.draft).length === 0) return [notice(t('ui:contact.nothing'))];
    await this.desk.setContact(c.reference, c.draft);
    return [notice(t('ui:contact.saved', { reference: c.reference }))];
  }
}
