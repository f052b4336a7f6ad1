// What an app imports for stamping (measured by size-budget.mjs): the wrappers, which pull
// in the pure API, the glue and the .wasm.
import { autoTrackAttributed, wrapFirehoseRecord, wrapKinesisRecord, wrapRecord } from 'journey-attribution';

window.journeyAttribution = { autoTrackAttributed, wrapFirehoseRecord, wrapKinesisRecord, wrapRecord };
