const ASCII_LETTERS: Record<string, string> = {
  ł: 'l',
  Ł: 'L',
  ø: 'o',
  Ø: 'O',
  đ: 'd',
  Đ: 'D',
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
};

/**
 * The Content-Disposition of a download or an inline file: the name as UTF-8 (RFC 6266
 * `filename*`) and an ASCII stand-in for old clients (accents dropped: Zoë → Zoe, Ł → L; other
 * letters, quotes and backslashes as '_').
 */
export function contentDisposition(filename: string, kind: 'inline' | 'attachment'): string {
  const fallback = filename
    .replace(/[łŁøØđĐßæÆœŒ]/g, (c) => ASCII_LETTERS[c] ?? '_')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
