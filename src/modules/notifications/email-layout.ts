import type { Locale } from '../../lib/locale';

/**
 * The one HTML e-mail layout: the organization's logo, a heading, paragraphs, an optional table and button,
 * and the organization's contact address in the footer. Every template renders through it, in HTML and text.
 */
export interface EmailOrganization {
  name: string;
  logoUrl: string | null;
  contactEmail: string | null;
}

export interface EmailContent {
  locale: Locale;
  organization: EmailOrganization;
  heading: string;
  paragraphs: string[];
  table?: { headers: string[]; rows: string[][] };
  button?: { label: string; url: string };
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const FOOTER = {
  'fr-CA': (email: string) => `Des questions? Écrivez-nous à ${email}.`,
  'en-CA': (email: string) => `Questions? Write to us at ${email}.`,
};

export function renderEmail(content: EmailContent): { html: string; text: string } {
  const { organization: org } = content;
  const logo = org.logoUrl
    ? `<img src="${escapeHtml(org.logoUrl)}" alt="${escapeHtml(org.name)}" style="max-height:64px;max-width:240px" />`
    : `<strong style="font-size:20px">${escapeHtml(org.name)}</strong>`;
  const paragraphs = content.paragraphs
    .map((p) => `<p style="margin:0 0 12px">${escapeHtml(p)}</p>`)
    .join('');
  const table = content.table
    ? `<table role="presentation" style="border-collapse:collapse;width:100%;margin:12px 0;font-size:14px">
<thead><tr>${content.table.headers.map((h) => `<th style="text-align:left;border-bottom:1px solid #ccc;padding:6px">${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>${content.table.rows
        .map(
          (r) =>
            `<tr>${r.map((c) => `<td style="border-bottom:1px solid #eee;padding:6px">${escapeHtml(c)}</td>`).join('')}</tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const button = content.button
    ? `<p style="margin:20px 0"><a href="${escapeHtml(content.button.url)}" style="background:#1c7ed6;color:#fff;padding:10px 18px;border-radius:4px;text-decoration:none;display:inline-block">${escapeHtml(content.button.label)}</a></p>`
    : '';
  const footer = org.contactEmail
    ? `<p style="color:#555;font-size:13px">${escapeHtml(FOOTER[content.locale](org.contactEmail))} <a href="mailto:${escapeHtml(org.contactEmail)}">${escapeHtml(org.contactEmail)}</a></p>`
    : '';
  const html = `<!doctype html><html lang="${content.locale}"><head><meta charset="utf-8"><title>${escapeHtml(content.heading)}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#222;max-width:640px;margin:0 auto;padding:16px">
<div style="margin-bottom:16px">${logo}</div>
<h1 style="font-size:20px">${escapeHtml(content.heading)}</h1>
${paragraphs}${table}${button}
<hr style="border:none;border-top:1px solid #ddd;margin:24px 0" />
<p style="color:#555;font-size:13px">${escapeHtml(org.name)}</p>${footer}
</body></html>`;

  const textParts = [org.name, '', content.heading, '', ...content.paragraphs];
  if (content.table) {
    textParts.push('', content.table.headers.join(' | '), ...content.table.rows.map((r) => r.join(' | ')));
  }
  if (content.button) textParts.push('', `${content.button.label}: ${content.button.url}`);
  if (org.contactEmail) textParts.push('', FOOTER[content.locale](org.contactEmail));
  return { html, text: `${textParts.join('\n')}\n` };
}
