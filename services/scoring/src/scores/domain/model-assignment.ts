import { createHash } from 'node:crypto';

/**
 * Champion/challenger assignment: an account's arm depends only on its tenant and id (a hash), so
 * it stays in the same arm across rescores, restarts and replicas, and a share of s puts about s of
 * the accounts in the challenger arm. Raising the share only moves champion accounts over (an
 * account in the arm at 10% is still in it at 20%).
 */
export type ModelArm = 'champion' | 'challenger';

/** A number in [0, 1) from sha256(tenant, account): uniform, and stable for the pair. */
export function assignmentPoint(tenantId: string, accountId: string): number {
  const digest = createHash('sha256').update(tenantId).update('\u0000').update(accountId).digest();
  // 48 bits are plenty for a share and stay an exact integer in a double
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function armOf(tenantId: string, accountId: string, challengerShare: number): ModelArm {
  return assignmentPoint(tenantId, accountId) < challengerShare ? 'challenger' : 'champion';
}
