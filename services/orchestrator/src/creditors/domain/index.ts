export * from './creditor-profile';
export * from './tax-id';
