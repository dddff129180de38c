// @peculiar/x509 uses tsyringe, which needs the Reflect metadata polyfill loaded before it; going
// through this module guarantees the order for every importer.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export { x509 };
