/**
 * Every situation of the handbook, told the way a new user tells it: the first message says what the user
 * knows, in their words, and every later one answers what was asked. Dates are said relative to today.
 * Used by tests/new-user.test.ts and, with every turn on another instance, tests/multi-instance.test.ts.
 */
export const SITUATIONS: readonly { rule: string; zh: string[]; en: string[] }[] = [
  { rule: 'first-online', zh: ['我们公司第一次申请电子钥匙，想在网上预申请，内资企业'], en: ['We have never had an e-key, we want to apply online, domestic company'] },
  { rule: 'first-offline', zh: ['外资企业，首次办理电子钥匙', '线下'], en: ['first time application for a foreign-invested enterprise', 'offline'] },
  { rule: 'replacement-lost', zh: ['钥匙丢了', '内资'], en: ['I lost my key', 'domestic'] },
  { rule: 'replacement-damaged', zh: ['我们的ukey坏了，外资企业'], en: ['our usb key is broken, foreign-invested'] },
  { rule: 'additional', zh: ['想再增办一个电子钥匙', '内资企业'], en: ['we need one more key', 'domestic'] },
  { rule: 'update-expired', zh: ['证书已经过期了咋办', '有'], en: ['the certificate has expired', 'yes'] },
  { rule: 'update-key-colour', zh: ['证书下个月到期，钥匙是蓝色的', '有'], en: ['certificate expires next month and the key is blue', 'yes'] },
  { rule: 'update-online', zh: ['外资企业，证书下个月到期，钥匙是银色的', '有', '没有'], en: ['foreign-invested, certificate expires next month, silver key', 'yes', 'no'] },
  {
    rule: 'update-online-failed',
    zh: ['证书下个月到期，银色钥匙，证书里有18位代码，在线更新失败了'],
    en: ['certificate expires next month, silver key, it has the 18-digit code, the online update failed'],
  },
  { rule: 'update-expires-during-check', zh: ['证书明天到期，银色钥匙，有18位代码'], en: ['the certificate expires tomorrow, silver key, it has the 18-digit code'] },
  { rule: 'update-special', zh: ['证书快到期了，银色钥匙，证书信息有误', '有'], en: ['the certificate expires soon, silver key, the certificate information is wrong', 'yes'] },
  { rule: 'update-not-yet', zh: ['证书还有一年多才到期，钥匙是银色的，有18位代码'], en: ['the certificate expires in more than a year, silver key, it has the 18-digit code'] },
  {
    rule: 'update-no-code-domestic',
    zh: ['证书快到期了要更新，证书里没有18位代码，内资企业'],
    en: ['renew the certificate, there is no 18-digit code in it, domestic enterprise'],
  },
  { rule: 'update-no-code-foreign', zh: ['外资企业，证书过期了，没有18位代码'], en: ['foreign-invested, the certificate expired, no 18-digit code'] },
  { rule: 'unlock-pin', zh: ['PIN码输错6次锁住了'], en: ['the PIN is locked after 6 wrong tries'] },
  { rule: 'login-password', zh: ['许可证系统登录密码忘了'], en: ['I forgot the login password of the licence system'] },
  { rule: 'add-code-domestic', zh: ['内资企业要添加18位统一社会信用代码'], en: ['domestic enterprise, add the 18-digit unified social credit code'] },
  { rule: 'add-code-foreign', zh: ['外资企业要在证书里加18位代码'], en: ['foreign-invested, add the 18-digit code to the certificate'] },
  { rule: 'check-code', zh: ['怎么查看证书里有没有18位代码'], en: ['how do I check whether the certificate has the 18-digit code'] },
  { rule: 'revoke', zh: ['我们要注销数字证书'], en: ['we want to revoke the certificate'] },
];
