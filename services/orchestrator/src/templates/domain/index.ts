export * from './template.catalogue';
