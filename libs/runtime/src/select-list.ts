/**
 * The names a select list gives its columns, to select the same columns again from a CTE that
 * returned them: `id, to_char(due_date, 'YYYY-MM-DD') AS due_date` → `id, due_date`. Commas inside
 * parentheses or quotes do not split; an item that is neither a plain column nor `… AS name` throws,
 * so a list this cannot name fails where it is declared rather than in a query.
 */
export function selectedNames(list: string): string {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      items.push(list.slice(start, i));
      start = i + 1;
    }
  }
  items.push(list.slice(start));
  return items
    .map((item) => {
      const name = /^\s*(?:[a-z_][a-z0-9_]*|.*\sAS\s+([a-z_][a-z0-9_]*))\s*$/is.exec(item);
      if (!name) throw new Error(`selectedNames: cannot name the select item "${item.trim()}"`);
      return name[1] ?? item.trim();
    })
    .join(', ');
}
