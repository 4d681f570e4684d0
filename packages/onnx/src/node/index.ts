export { externalDataFromFolder } from './external-data-files.js';
