/**
 * `SMTP_CHECK`: a 220 greeting, then a 250 answer to HELO; QUIT politely.
 * @internal
 * @module
 */
import type { SmtpCheck } from '../types';
import type { Probe } from './probe';
import { endpoint, failure, pass } from './probe';
import { Conversation } from './stream';

const DEFAULT_HELO = 'smtpchecker.keepalived.org';

/** The final line of a (possibly multi-line, `250-…`) SMTP reply. */
export async function smtpReply(conversation: Conversation): Promise<string> {
  for (;;) {
    const line = await conversation.readLine();
    if (!/^\d{3}-/.test(line)) return line;
  }
}

export const smtpProbe: Probe = async (checker, signal) => {
  const where = `smtp://${endpoint(checker)}`;
  let conversation: Conversation | undefined;
  try {
    conversation = await Conversation.open(checker, signal);
    const greeting = await smtpReply(conversation);
    if (!greeting.startsWith('220')) return failure(`${where}: greeting ${JSON.stringify(greeting.slice(0, 60))}`);
    conversation.write(`HELO ${(checker.config as SmtpCheck).heloName ?? DEFAULT_HELO}\r\n`);
    const helo = await smtpReply(conversation);
    if (!helo.startsWith('250')) return failure(`${where}: HELO answered ${JSON.stringify(helo.slice(0, 60))}`);
    conversation.write('QUIT\r\n');
    return pass(`${where}: 220 and 250`);
  } catch (e) {
    return failure(`${where}: ${(e as Error).message}`);
  } finally {
    conversation?.close();
  }
};
