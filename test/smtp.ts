import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * An SMTP server on 127.0.0.1 that keeps every message it receives, parsed, for the tests of what leaves
 * by e-mail (real links reach SMTP only, never the delivery log). Stopping it and starting it again on the
 * same port is an outage the delivery job must ride out.
 */
export class TestSmtp {
  readonly received: ParsedMail[] = [];
  /** the port it listens on; 0 before the first start */
  port = 0;
  private server: SMTPServer | undefined;

  /** What `SMTP_URL` reaches it with (after `start()`). */
  get url(): string {
    return `smtp://127.0.0.1:${this.port}?ignoreTLS=true`;
  }

  /** Listens on `port` (a free one the first time, the same one after a stop). */
  async start(port = this.port): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream).then(
          (mail) => {
            this.received.push(mail);
            callback();
          },
          (err) => callback(err),
        );
      },
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise<void>((resolve) => (server ? server.close(resolve) : resolve()));
  }
}
