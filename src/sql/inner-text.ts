// The text of the statement inside PREPARE name [(types)] AS <stmt> and
// DECLARE name ... CURSOR ... FOR <query>, found with PostgreSQL's own lexer so that
// comments, quoted names and parenthesised type lists cannot confuse it.
import { scanTokens } from './parser.js';
import { Utf8Text } from './utf8.js';

export function innerStatementText(sql: string, wrapper: 'prepare' | 'declare'): string {
  let tokens;
  try {
    tokens = scanTokens(sql);
  } catch {
    return sql;
  }
  let depth = 0;
  let sawCursor = wrapper === 'prepare';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && t.keyword) {
      const word = t.text.toLowerCase();
      if (wrapper === 'declare' && word === 'cursor') sawCursor = true;
      const marker = wrapper === 'prepare' ? 'as' : 'for';
      if (sawCursor && word === marker && i >= 2) {
        const next = tokens[i + 1];
        if (!next) return sql;
        return new Utf8Text(sql).slice(next.start).trim();
      }
    }
  }
  return sql;
}
