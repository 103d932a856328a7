export { ledgerService } from './ledger.service';
export { UciImporter } from './imports/uci-importer';
export { GenericImporter } from './imports/generic-importer';
export type { ImportJobView, ImportProgress } from './imports/import-engine';
