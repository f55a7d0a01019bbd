// Pinyin initials for search (合作社 → hzs): the browser's Chinese collation orders characters by pinyin, so a
// character's initial is the last of these boundary characters (the first character of each initial) that sorts
// before or equal to it. No table ships with the app.
const BOUNDARIES: [string, string][] = [
  ['a', '阿'], ['b', '八'], ['c', '嚓'], ['d', '哒'], ['e', '妸'], ['f', '发'], ['g', '旮'], ['h', '哈'], ['j', '讥'],
  ['k', '咔'], ['l', '垃'], ['m', '妈'], ['n', '拏'], ['o', '噢'], ['p', '妑'], ['q', '七'], ['r', '呥'], ['s', '扨'],
  ['t', '它'], ['w', '穵'], ['x', '夕'], ['y', '丫'], ['z', '帀'],
]
const collator = new Intl.Collator('zh-CN-u-co-pinyin')
const memo = new Map<string, string>()

function initial(char: string): string {
  if (/[a-z0-9]/i.test(char)) return char.toLowerCase()
  if (!/\p{Script=Han}/u.test(char)) return ''
  let found = memo.get(char)
  if (found === undefined) {
    found = ''
    for (const [letter, boundary] of BOUNDARIES) {
      if (collator.compare(char, boundary) >= 0) found = letter
      else break
    }
    memo.set(char, found)
  }
  return found
}

export function initials(text: string): string {
  return [...text].map(initial).join('')
}
