import type { Translate } from '../../i18n.js';
import type { Language } from '../../knowledge/schema.js';

/**
 * Links to the flowcharts of an outcome's procedures, as a message after the outcome. Until the outcome
 * view itself carries them (for every channel), the web widget adds them here.
 */
export function flowchartLinks(procedures: string[], t: Translate, lang: Language, base: string | undefined) {
  const lines = procedures.map((id) => t('ui:web.flowchartLink', { title: t(`procedures:${id}.title`), url: `${base ?? ''}/flowcharts/${id}.svg${lang === 'en' ? '?lang=en' : ''}` }));
  return { type: 'message', text: lines.join('\n\n'), textFormat: 'markdown', locale: lang };
}
