/** A line the import rejects, with the reason a person can act on; the rest of the file goes on. */
export class RowError extends Error {}
