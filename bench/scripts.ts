import type { Script } from './driver.js';

/** Realistic consultations of several turns, with the outcome each must reach. */
export const CONSULTATIONS: Script[] = [
  { turns: ['钥匙丢了', '内资'], outcome: 'replacement-lost' },
  { turns: ['外资企业，证书下个月到期，钥匙是银色的', '有', '没有'], outcome: 'update-online' },
  { turns: ['你好', '首次申领', '在线', '外资'], outcome: 'first-online' },
  { turns: ['密码锁了', 'PIN码'], outcome: 'unlock-pin' },
  { turns: ['证书过期了咋办', '不知道', '没有', '内资企业'], outcome: 'update-no-code-domestic' },
  { turns: ['I need to renew the certificate', 'expired', 'yes'], outcome: 'update-expired', locale: 'en' },
  { turns: ['ukey坏了', '2'], outcome: 'replacement-damaged' },
  { turns: ['增办一个', '帮助', '外资'], outcome: 'additional' },
];

/** Ten turns each, with the detours people take: help, a wrong word, back, a changed answer. The outcome is the last one given. */
export const LONG_CONSULTATIONS: Script[] = [
  { turns: ['你好', '帮助', '首次申领', '随便', '在线', '返回上一步', '线下', '帮助', '外资', '谢谢'], outcome: 'first-offline' },
  { turns: ['证书更新', '帮助', '2027-12-31', '银色', '不知道', '有', '返回上一步', '有', '重新开始', '注销'], outcome: 'revoke' },
  { turns: ['密码', '帮助', '锁了', 'asdf', '返回', '重新开始', '密码锁了', '帮助', 'English', 'pin'], outcome: 'unlock-pin' },
  { turns: ['hello', 'help', 'I lost my key', 'help', 'back', 'restart', 'key is broken', 'help', 'foreign-invested', 'thanks'], outcome: 'replacement-damaged', locale: 'en' },
];
