// The record wrappers plus autoTrackAttributed (measured by size-budget.mjs).
import { autoTrackAttributed, wrapFirehoseRecord, wrapKinesisRecord, wrapRecord } from 'journey-attribution';

window.journeyAttribution = { autoTrackAttributed, wrapFirehoseRecord, wrapKinesisRecord, wrapRecord };
