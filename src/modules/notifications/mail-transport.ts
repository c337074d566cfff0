import nodemailer from 'nodemailer';

export interface OutgoingMail {
  messageId: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  replyTo?: string | null;
}

/** Where e-mails go: SMTP when SMTP_URL is set, else nowhere (they stay in the delivery log as `logged`). */
export interface MailTransport {
  readonly kind: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<void>;
}

export function createMailTransport(smtpUrl: string | undefined): MailTransport {
  if (!smtpUrl) return { kind: 'log', send: async () => undefined };
  const transporter = nodemailer.createTransport(smtpUrl, {});
  return {
    kind: 'smtp',
    async send(mail) {
      await transporter.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        replyTo: mail.replyTo ?? undefined,
        // A stable Message-ID lets a receiving server drop a copy re-sent after a crash between send and record.
        messageId: mail.messageId,
      });
    },
  };
}
