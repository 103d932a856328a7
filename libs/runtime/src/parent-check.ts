import { MigrationInterface, QueryRunner } from 'typeorm';

/** A reference checked per statement instead of by a row-by-row foreign key. */
export interface ParentCheck {
  /** The trigger function's name. */
  fn: string;
  /** The statement's new rows, as the trigger's REFERENCING NEW TABLE names them. */
  newRows: string;
  table: string;
  columns: readonly string[];
  parent: string;
  /** The parent's key columns, in the order of `columns`. */
  keys: readonly string[];
}

/**
 * The trigger function of a set-based reference check: after an INSERT, an anti-join of the
 * statement's new rows against the parent finds a row whose parent does not exist and fails the
 * statement with SQLSTATE 23503 (foreign_key_violation), naming it. Hash and merge joins and JIT
 * are off inside it, so the parent's key is probed once per new row (a nested loop), never the
 * parent hashed whole. `cached`: the probe is planned once per session, as PL/pgSQL does with a
 * static statement; `per-statement`: planned each time it runs (EXECUTE), on the tables as they
 * are then, so a plan made while the parent held a row or two (when any index that starts with
 * the tenant looks as good as the key) is not kept as the parent grows.
 */
export function parentCheckFunction(check: ParentCheck, planned: 'cached' | 'per-statement'): string {
  const { fn, newRows, table, columns, parent, keys } = check;
  const on = columns.map((c, i) => `p.${keys[i]} = n.${c}`).join(' AND ');
  const select = `SELECT ${columns.map((c) => `n.${c}`).join(', ')}`;
  const rest = `FROM ${newRows} n WHERE NOT EXISTS (SELECT 1 FROM ${parent} p WHERE ${on}) LIMIT 1`;
  const found =
    planned === 'cached'
      ? `${select} INTO missing ${rest};
        IF FOUND THEN`
      : `EXECUTE '${select} ${rest}' INTO missing;
        GET DIAGNOSTICS found_rows = ROW_COUNT;
        IF found_rows > 0 THEN`;
  return `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql
      SET search_path FROM CURRENT SET enable_hashjoin = off SET enable_mergejoin = off SET jit = off AS $$
      DECLARE missing record;${planned === 'cached' ? '' : ' found_rows bigint;'}
      BEGIN
        ${found}
          RAISE EXCEPTION 'a ${table} row references ${parent} %, which does not exist', row_to_json(missing)
            USING ERRCODE = 'foreign_key_violation', TABLE = '${table}';
        END IF;
        RETURN NULL;
      END $$`;
}

/**
 * A migration named `name` that moves set-based checks' probes from planned once per session to
 * planned per statement (`down` goes back), for a service whose checks already exist.
 */
export function parentChecksPlannedPerStatement(
  name: string,
  checks: readonly ParentCheck[],
): new () => MigrationInterface {
  const replace = async (q: QueryRunner, planned: 'cached' | 'per-statement') => {
    for (const check of checks) await q.query(parentCheckFunction(check, planned));
  };
  return class ParentChecksPlannedPerStatement implements MigrationInterface {
    name = name;
    up = (q: QueryRunner) => replace(q, 'per-statement');
    down = (q: QueryRunner) => replace(q, 'cached');
  };
}
