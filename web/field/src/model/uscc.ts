// 统一社会信用代码 (GB 32100-2015), checked as mobile-api/src/uscc.rs checks it: 18 characters of the alphabet, digits
// for the region, and the check character.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** Why the code is not valid, in Chinese; `null` when it is. */
export function usccProblem(input: string): string | null {
  const code = input.trim().toUpperCase()
  if (code.length !== 18) return `统一社会信用代码应为18位，现为${code.length}位`
  for (const [i, c] of [...code].entries()) {
    if (!ALPHABET.includes(c)) return `第${i + 1}位“${c}”不是有效字符`
  }
  if (!/^\d{6}$/.test(code.slice(2, 8))) return '第3至8位应为行政区划代码'
  const sum = [...code.slice(0, 17)].reduce((total, c, i) => total + ALPHABET.indexOf(c) * WEIGHTS[i], 0)
  const expected = ALPHABET[(31 - (sum % 31)) % 31]
  return expected === code[17] ? null : `校验位应为“${expected}”`
}
