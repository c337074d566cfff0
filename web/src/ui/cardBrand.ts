/** Card networks as their owners write them (the gateway reports lower-case codes: "visa", "amex"…). */
const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  american_express: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  interac: 'Interac',
};

export function cardBrandName(brand: string | null | undefined): string {
  if (!brand) return '';
  const known = BRANDS[brand.toLowerCase()];
  if (known) return known;
  return brand.charAt(0).toUpperCase() + brand.slice(1);
}
