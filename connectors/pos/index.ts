/**
 * POS: store systems upload their sales (the JSON sale or the sales CSV, README.md) to
 * `POST /pos/<shop>/sales`; the route hands the text to the pipeline, whose decoder reads either.
 */
import type { ConnectorFactory } from '../../core/connector/types.ts';

export { parseSalesCsv, SalesCsvError, SALES_CSV_COLUMNS, type PosSale } from './csv.ts';

export const createPosConnector: ConnectorFactory = () => ({ channel: 'pos', limits: {} });
