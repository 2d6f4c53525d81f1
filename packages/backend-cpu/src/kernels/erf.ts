/**
 * The error function, to double precision, after W. J. Cody's rational Chebyshev approximations
 * ("Rational Chebyshev approximations for the error function", Math. Comp. 23, 1969): one rational
 * function for |x| <= 0.5, and two for erfc(|x|) = exp(-x^2) R(|x|) on (0.5, 4] and beyond 4.
 */

const A0 = 3.1611237438705656, A1 = 113.86415415105016, A2 = 377.48523768530202, A3 = 3209.3775891384695;
const A4 = 0.18577770618460315;
const B0 = 23.601290952344121, B1 = 244.02463793444417, B2 = 1282.6165260773723, B3 = 2844.2368334391706;

const C0 = 0.56418849698867009, C1 = 8.8831497943883759, C2 = 66.119190637141630, C3 = 298.63513819740013;
const C4 = 881.95222124176909, C5 = 1712.0476126340706, C6 = 2051.0783778260715, C7 = 1230.3393547979973;
const C8 = 2.1531153547440385e-8;
const D0 = 15.744926110709835, D1 = 117.69395089131250, D2 = 537.18110186200986, D3 = 1621.3895745666902;
const D4 = 3290.7992357334596, D5 = 4362.6190901432472, D6 = 3439.3676741437216, D7 = 1230.3393548037494;

const P0 = 0.30532663496123234, P1 = 0.36034489994980444, P2 = 0.12578172611122925, P3 = 0.016083785148742277;
const P4 = 6.5874916152983780e-4, P5 = 0.016315387137302098;
const Q0 = 2.5685201922898224, Q1 = 1.8729528499234673, Q2 = 0.52790510295142841, Q3 = 0.060518341312441319;
const Q4 = 2.3352049762686919e-3;

const INV_SQRT_PI = 0.56418958354775628695;
/** Beyond this, erfc underflows and erf is exactly +-1 in double precision. */
const X_BIG = 6;

/** exp(-y*y) computed as exp(-hi^2) exp(-(y-hi)(y+hi)) to avoid the rounding error of y*y. */
function expNegSquare(y: number): number {
  const hi = Math.trunc(y * 16) / 16;
  const del = (y - hi) * (y + hi);
  return Math.exp(-hi * hi) * Math.exp(-del);
}

/** erfc(y) for y > 0.5. */
function erfcTail(y: number): number {
  if (y <= 4) {
    let num = C8 * y;
    let den = y;
    num = (num + C0) * y; den = (den + D0) * y;
    num = (num + C1) * y; den = (den + D1) * y;
    num = (num + C2) * y; den = (den + D2) * y;
    num = (num + C3) * y; den = (den + D3) * y;
    num = (num + C4) * y; den = (den + D4) * y;
    num = (num + C5) * y; den = (den + D5) * y;
    num = (num + C6) * y; den = (den + D6) * y;
    return (expNegSquare(y) * (num + C7)) / (den + D7);
  }
  const z = 1 / (y * y);
  let num = P5 * z;
  let den = z;
  num = (num + P0) * z; den = (den + Q0) * z;
  num = (num + P1) * z; den = (den + Q1) * z;
  num = (num + P2) * z; den = (den + Q2) * z;
  num = (num + P3) * z; den = (den + Q3) * z;
  const r = (z * (num + P4)) / (den + Q4);
  return (expNegSquare(y) * (INV_SQRT_PI - r)) / y;
}

/** erf(x) with a relative error below 1e-15 over the whole real line; erf(NaN) is NaN. */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.5) {
    const z = x * x;
    let num = A4 * z;
    let den = z;
    num = (num + A0) * z; den = (den + B0) * z;
    num = (num + A1) * z; den = (den + B1) * z;
    num = (num + A2) * z; den = (den + B2) * z;
    return (x * (num + A3)) / (den + B3);
  }
  if (!(y < X_BIG)) return x !== x ? x : x > 0 ? 1 : -1;
  const r = 0.5 - erfcTail(y) + 0.5;
  return x < 0 ? -r : r;
}
