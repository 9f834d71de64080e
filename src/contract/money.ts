/**
 * Money as people type it and as the API stores it: the API counts integer minor units (cents);
 * forms take a decimal amount with as many decimals as the currency has (2 for EUR, 0 for JPY,
 * 3 for KWD). Converted on the digits, never through floating point.
 */

/** Decimals of the currency's minor unit; 2 when the currency is unknown or not given. */
export function minorDigits(currency: string | null | undefined): number {
  if (!currency || !/^[A-Za-z]{3}$/.test(currency)) return 2;
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** 4990 EUR → "49.90"; 4900 JPY → "4900". */
export function minorToDecimal(minor: number, currency: string | null | undefined): string {
  const digits = minorDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const s = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${s}` : `${sign}${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

export type ParsedMoney = { ok: true; minor: number } | { ok: false; message: string };

/**
 * "49.90" (or "49,90") in EUR → 4990. Refuses what is not a plain non-negative amount, and more
 * decimals than the currency has, in words for the field's label.
 */
export function parseDecimalMoney(text: string, currency: string | null | undefined, label: string): ParsedMoney {
  const t = text.trim().replace(/\s/g, '');
  const m = /^(\d+)(?:[.,](\d*))?$/.exec(t);
  if (!m) return { ok: false, message: `${label} must be an amount such as 49.90.` };
  const digits = minorDigits(currency);
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > digits) {
    const code = currency ? currency.toUpperCase() : 'this currency';
    return {
      ok: false,
      message: digits === 0 ? `${label} in ${code} has no decimals.` : `${label} in ${code} can have at most ${digits} decimals.`,
    };
  }
  const minor = Number(m[1]! + frac.padEnd(digits, '0'));
  if (!Number.isSafeInteger(minor)) return { ok: false, message: `${label} is too large.` };
  return { ok: true, minor };
}
