import type { ContactRow, MessageRow } from '../../shared/contract-library';

/**
 * The text formats exports are written in: CSV (RFC 4180, with CRLF), vCard 3.0 (RFC 2426) and the
 * HTML of a conversation. Every value comes from a backup, so it is escaped for its format, and a
 * CSV cell that a spreadsheet would run as a formula is defused.
 */

/** One CSV record; a cell starting like a formula (`=`, `@`, `+x`, `-x`) gets a leading apostrophe. */
export function csvRow(cells: readonly (string | number | undefined)[]): string {
  return `${cells.map((cell) => csvCell(cell === undefined ? '' : String(cell))).join(',')}\r\n`;
}

function csvCell(value: string): string {
  // Phone numbers (+1555…) and negative numbers stay as they are; anything else a spreadsheet would evaluate does not.
  const defused = /^[=@\t\r]/.test(value) || /^[+-][^\d\s]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(defused) ? `"${defused.replace(/"/g, '""')}"` : defused;
}

/** A contact as a vCard 3.0, lines folded at 75 octets. */
export function vcardOf(contact: ContactRow): string {
  const lines = ['BEGIN:VCARD', 'VERSION:3.0'];
  lines.push(`N:${[contact.last ?? '', contact.first ?? '', '', '', ''].map(vcardText).join(';')}`);
  lines.push(`FN:${vcardText(contact.name)}`);
  if (contact.organization) lines.push(`ORG:${vcardText(contact.organization)}`);
  for (const phone of contact.phones) lines.push(`TEL;TYPE=${telType(phone.label)}:${vcardText(phone.value)}`);
  for (const email of contact.emails) lines.push(`EMAIL;TYPE=INTERNET${email.label ? `,${emailType(email.label)}` : ''}:${vcardText(email.value)}`);
  if (contact.note) lines.push(`NOTE:${vcardText(contact.note)}`);
  lines.push('END:VCARD');
  return lines.map(fold).join('\r\n') + '\r\n';
}

function vcardText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

function telType(label: string): string {
  const lower = label.toLowerCase();
  if (lower === 'mobile' || lower === 'iphone') return 'CELL';
  if (lower === 'home') return 'HOME';
  if (lower === 'work') return 'WORK';
  if (lower.includes('fax')) return 'FAX';
  if (lower === 'pager') return 'PAGER';
  return 'VOICE';
}

function emailType(label: string): string {
  const lower = label.toLowerCase();
  return lower === 'home' ? 'HOME' : lower === 'work' ? 'WORK' : 'PREF';
}

/** RFC 2425 §5.8.1: lines longer than 75 octets continue on the next line after a space, never inside a character. */
function fold(line: string): string {
  const parts: string[] = [];
  let current = '';
  let bytes = 0;
  for (const character of line) {
    const size = Buffer.byteLength(character, 'utf8');
    if (bytes + size > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = '';
      bytes = 0;
    }
    current += character;
    bytes += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

function htmlText(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The start of a conversation's page: no script may run and nothing is fetched from elsewhere. */
export function conversationHead(title: string, subtitle: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file:; media-src 'self' file:; style-src 'unsafe-inline'">
<title>${htmlText(title)}</title>
<style>
body { font: 15px/1.4 system-ui, sans-serif; max-width: 720px; margin: 2em auto; padding: 0 1em; color: #111; }
h1 { font-size: 1.4em; margin-bottom: 0; } .sub { color: #666; margin-top: .2em; }
.message { margin: .6em 0; display: flex; flex-direction: column; align-items: flex-start; }
.message.me { align-items: flex-end; }
.bubble { background: #e9e9eb; border-radius: 16px; padding: .5em .8em; max-width: 80%; white-space: pre-wrap; overflow-wrap: anywhere; }
.me .bubble { background: #0b84ff; color: #fff; }
.meta { color: #666; font-size: .8em; margin: .1em .4em; }
.attachment img { max-width: 240px; max-height: 240px; border-radius: 12px; display: block; margin-top: .3em; }
.missing { color: #a00; font-style: italic; }
</style>
</head>
<body>
<h1>${htmlText(title)}</h1>
<p class="sub">${htmlText(subtitle)}</p>
`;
}

/** One message; `attachmentHref` says where each attachment was copied (undefined: not in the backup). */
export function conversationMessage(message: MessageRow, attachmentHref: (index: number) => string | undefined): string {
  const when = message.at ? new Date(message.at).toLocaleString('en-GB', { timeZone: 'UTC' }) + ' UTC' : '';
  const attachments = message.attachments
    .map((attachment, index) => {
      const href = attachmentHref(index);
      if (!href) return `<div class="attachment missing">${htmlText(attachment.name)} (not in the backup)</div>`;
      const link = encodeURI(href);
      return attachment.image
        ? `<div class="attachment"><a href="${htmlText(link)}"><img src="${htmlText(link)}" alt="${htmlText(attachment.name)}"></a></div>`
        : `<div class="attachment"><a href="${htmlText(link)}">${htmlText(attachment.name)}</a></div>`;
    })
    .join('');
  const text = message.text ? `<div class="bubble">${htmlText(message.text)}</div>` : '';
  return `<div class="message${message.fromMe ? ' me' : ''}" data-id="${message.id}"><div class="meta">${htmlText(message.sender)} · ${htmlText(when)}</div>${text}${attachments}</div>\n`;
}

export const CONVERSATION_END = '</body>\n</html>\n';
