import { type FieldMap, fieldMap, parseFieldList } from "../domain/field-mapping.ts"

/** The field mapping the `LOG_FIELD_*` settings configure, shared by every protocol that carries documents. */
export const configuredFieldMap = (settings: {
  readonly LOG_FIELD_TIMESTAMP: string
  readonly LOG_FIELD_MESSAGE: string
  readonly LOG_FIELD_LEVEL: string
  readonly LOG_FIELD_SERVICE: string
  readonly LOG_FIELD_HOST: string
  readonly LOG_FIELD_TRACE_ID: string
  readonly LOG_FIELD_SPAN_ID: string
}): FieldMap =>
  fieldMap({
    timestamp: parseFieldList(settings.LOG_FIELD_TIMESTAMP),
    message: parseFieldList(settings.LOG_FIELD_MESSAGE),
    level: parseFieldList(settings.LOG_FIELD_LEVEL),
    service: parseFieldList(settings.LOG_FIELD_SERVICE),
    host: parseFieldList(settings.LOG_FIELD_HOST),
    trace_id: parseFieldList(settings.LOG_FIELD_TRACE_ID),
    span_id: parseFieldList(settings.LOG_FIELD_SPAN_ID)
  })
