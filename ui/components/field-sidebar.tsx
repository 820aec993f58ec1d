import { formatNumber } from "../format.ts"
import { attributeField, fieldClause } from "../query-clause.ts"

/**
 * The fields of a search's matches (from the facets API): services, levels, hosts and the
 * attributes most present, each with its top values and counts. A value's button adds
 * `field:value` to the query, the "−" beside it `-field:value`; the search runs again.
 */

export interface FacetValue {
  readonly value: string
  readonly count: number
}

export interface FacetsJson {
  readonly fields: Readonly<Record<string, ReadonlyArray<FacetValue>>>
  readonly scanned: number
  readonly sampled: boolean
  readonly attributes?: ReadonlyArray<{ readonly key: string; readonly count: number; readonly values: ReadonlyArray<FacetValue> }>
  readonly attribute_sample?: number
}

const TITLES: Readonly<Record<string, string>> = { service: "Services", level: "Levels", host: "Hosts" }

const Field = ({ title, field, values, onAdd }: { title: string; field: string; values: ReadonlyArray<FacetValue>; onAdd: (clause: string) => void }) => (
  <section class="field" data-field={field}>
    <h3>{title}</h3>
    <ul>
      {values.map(({ value, count }) => {
        const include = fieldClause(field, value)
        const exclude = fieldClause(field, value, true)
        return (
          <li key={value}>
            {include ? (
              <button type="button" class="field-value" aria-label={`Add ${include}`} title={`Add ${include} to the query`} onClick={() => onAdd(include)}>
                {value}
              </button>
            ) : (
              <span class="field-value">{value}</span>
            )}
            <span class="count">{formatNumber(count)}</span>
            {exclude && (
              <button type="button" class="field-exclude" aria-label={`Add ${exclude}`} title={`Add ${exclude} to the query`} onClick={() => onAdd(exclude)}>
                −
              </button>
            )}
          </li>
        )
      })}
    </ul>
  </section>
)

export const FieldSidebar = ({ facets, onAdd }: { facets: FacetsJson; onAdd: (clause: string) => void }) => (
  <aside class="field-sidebar" aria-label="Fields">
    {Object.entries(TITLES).map(([field, title]) =>
      facets.fields[field]?.length ? <Field key={field} title={title} field={field} values={facets.fields[field]!} onAdd={onAdd} /> : null
    )}
    {facets.attributes?.map((a) => (
      <Field key={`attr:${a.key}`} title={a.key} field={attributeField(a.key)} values={a.values} onAdd={onAdd} />
    ))}
    <p class="muted small">
      {facets.sampled ? `Counted over the newest ${formatNumber(facets.scanned)} matches` : `Counted over ${formatNumber(facets.scanned)} matches`}
      {facets.attributes?.length ? `; attributes over the newest ${formatNumber(facets.attribute_sample ?? 0)}` : ""}.
    </p>
  </aside>
)
