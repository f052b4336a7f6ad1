// What an app imports for stamping (measured by size-budget.mjs): the record wrappers,
// which pull in the pure API, the landing capture, the glue and the .wasm.
import { wrapFirehoseRecord, wrapKinesisRecord, wrapRecord } from 'journey-attribution';

window.journeyAttribution = { wrapFirehoseRecord, wrapKinesisRecord, wrapRecord };
