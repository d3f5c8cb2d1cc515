import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Reason } from '../../http/refusal.js';

/** WeChat pads to a multiple of 32 bytes (PKCS#7 over a 32-byte block), not AES's 16. */
const PAD_BLOCK = 32;
const RANDOM_BYTES = 16;

/** A key or a sealed message that does not open: the message for the log, the reason for the refusal, in locales/. */
export class CipherError extends Error {
  constructor(
    message: string,
    /** Absent for a key that is wrong: that is the operator's mistake, found at start-up, never a caller's. */
    readonly reason?: Reason,
  ) {
    super(message);
    this.name = 'CipherError';
  }
}

/**
 * The safe-mode message cipher of the Official Account platform (WXBizMsgCrypt): AES-256-CBC with the
 * key decoded from the EncodingAESKey and the key's first 16 bytes as IV; the plaintext is 16 random
 * bytes, the message length (4 bytes, network order), the message and the app id.
 */
export class WechatCipher {
  private readonly key: Buffer;

  constructor(
    encodingAesKey: string,
    private readonly appId: string,
  ) {
    this.key = Buffer.from(`${encodingAesKey}=`, 'base64');
    if (encodingAesKey.length !== 43 || this.key.length !== 32) throw new CipherError('the EncodingAESKey must be 43 characters that decode to 32 bytes');
  }

  /** `random` is for known-answer tests only; every real message gets fresh random bytes. */
  encrypt(message: string, random: Buffer = randomBytes(RANDOM_BYTES)): string {
    const body = Buffer.from(message, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const plain = Buffer.concat([random, length, body, Buffer.from(this.appId, 'utf8')]);
    const pad = PAD_BLOCK - (plain.length % PAD_BLOCK);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.key.subarray(0, 16));
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
  }

  /** The message inside an Encrypt field; refuses one sealed for another app id. */
  decrypt(encrypted: string): string {
    const { message, appId } = this.open(encrypted);
    if (appId !== this.appId) throw new CipherError('the message is for another app id', { key: 'ui:refusals.wechat.cipher.otherApp' });
    return message;
  }

  open(encrypted: string): { message: string; appId: string } {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted)) throw new CipherError('Encrypt is not base64', { key: 'ui:refusals.wechat.cipher.notBase64' });
    const data = Buffer.from(encrypted, 'base64');
    if (data.length === 0 || data.length % 16 !== 0) throw new CipherError('Encrypt has a bad length', { key: 'ui:refusals.wechat.cipher.badLength' });
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.key, this.key.subarray(0, 16));
      decipher.setAutoPadding(false);
      plain = Buffer.concat([decipher.update(data), decipher.final()]);
    } catch {
      throw new CipherError('Encrypt cannot be decrypted', { key: 'ui:refusals.wechat.cipher.undecryptable' });
    }
    const pad = plain[plain.length - 1] ?? 0;
    if (pad < 1 || pad > PAD_BLOCK || pad > plain.length || !plain.subarray(plain.length - pad).every((b) => b === pad))
      throw new CipherError('Encrypt has bad padding (wrong EncodingAESKey?)', { key: 'ui:refusals.wechat.cipher.badPadding' });
    const content = plain.subarray(RANDOM_BYTES, plain.length - pad);
    if (content.length < 4) throw new CipherError('Encrypt is too short', { key: 'ui:refusals.wechat.cipher.tooShort' });
    const length = content.readUInt32BE(0);
    if (length > content.length - 4) throw new CipherError('Encrypt has a bad message length', { key: 'ui:refusals.wechat.cipher.badMessageLength' });
    return { message: content.subarray(4, 4 + length).toString('utf8'), appId: content.subarray(4 + length).toString('utf8') };
  }
}
