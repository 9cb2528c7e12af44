// Number, money and percentage formatting shared by every view (Philippine peso, en-PH).
const LOCALE = "en-PH";
const money = new Intl.NumberFormat(LOCALE, { style: "currency", currency: "PHP", maximumFractionDigits: 2 });
const moneyWhole = new Intl.NumberFormat(LOCALE, { style: "currency", currency: "PHP", maximumFractionDigits: 0 });
const moneyShort = new Intl.NumberFormat(LOCALE, {
  style: "currency", currency: "PHP", notation: "compact", maximumFractionDigits: 1,
});
const integer = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 1 });
const signedPercent = new Intl.NumberFormat(LOCALE, {
  style: "percent", maximumFractionDigits: 1, signDisplay: "exceptZero",
});

const missing = (value) => value === null || value === undefined || Number.isNaN(Number(value));

export const fmt = {
  money: (v) => (missing(v) ? "—" : money.format(Number(v))),
  moneyWhole: (v) => (missing(v) ? "—" : moneyWhole.format(Number(v))),
  moneyShort: (v) => (missing(v) ? "—" : moneyShort.format(Number(v))),
  int: (v) => (missing(v) ? "—" : integer.format(Number(v))),
  num: (v) => (missing(v) ? "—" : decimal.format(Number(v))),
  pct: (v) => (missing(v) ? "—" : percent.format(Number(v))),
  change: (v) => (missing(v) ? "—" : signedPercent.format(Number(v))),
};
