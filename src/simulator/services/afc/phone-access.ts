import type { Phone, PhoneEntry } from '../../phone/phone-model';

/**
 * What AFC needs from the phone beyond the core contract. The phone store has fast paths for
 * these; any other Phone gets these slower but equivalent fallbacks.
 */
export function childrenOf(phone: Phone, domain: string, relativePath: string): PhoneEntry[] {
  if (phone.children) return phone.children(domain, relativePath);
  const prefix = relativePath === '' ? '' : `${relativePath}/`;
  return [...phone.entries()].filter(
    (e) => e.domain === domain && e.relativePath !== relativePath && e.relativePath.startsWith(prefix) && !e.relativePath.slice(prefix.length).includes('/'),
  );
}

export async function readAll(phone: Phone, entry: PhoneEntry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of phone.readContent(entry)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function readRange(phone: Phone, entry: PhoneEntry, offset: number, length: number): Promise<Buffer> {
  if (phone.readRange) return phone.readRange(entry, offset, length);
  return (await readAll(phone, entry)).subarray(offset, offset + length);
}

function withoutStoreFields(entry: PhoneEntry): Omit<PhoneEntry, 'inode' | 'size'> {
  const { inode: _inode, size: _size, ...input } = entry;
  return input;
}

export async function moveEntry(phone: Phone, from: PhoneEntry, toDomain: string, toPath: string): Promise<void> {
  if (phone.moveEntry) {
    phone.moveEntry(from.domain, from.relativePath, toDomain, toPath);
    return;
  }
  const below = from.kind === 'directory' ? [...phone.entries()].filter((e) => e.domain === from.domain && e.relativePath.startsWith(`${from.relativePath}/`)) : [];
  for (const entry of [from, ...below]) {
    const moved = { ...withoutStoreFields(entry), domain: toDomain, relativePath: toPath + entry.relativePath.slice(from.relativePath.length) };
    if (entry.kind === 'file') await phone.writeFile(moved, await readAll(phone, entry));
    else phone.putEntry(moved);
  }
  phone.removeEntry(from.domain, from.relativePath);
}

export async function setModificationTime(phone: Phone, entry: PhoneEntry, mtime: number): Promise<void> {
  if (phone.setModificationTime) {
    phone.setModificationTime(entry.domain, entry.relativePath, mtime);
    return;
  }
  const input = { ...withoutStoreFields(entry), mtime };
  if (entry.kind === 'file') await phone.writeFile(input, await readAll(phone, entry));
  else phone.putEntry(input);
}
