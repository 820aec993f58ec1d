import { Highlighted } from "../highlight.tsx"

/** A record as indented JSON, with the query's matches marked in string values. */
export const JsonView = ({ value, pattern }: { value: unknown; pattern: RegExp | undefined }) => (
  <pre class="json">
    <Highlighted text={JSON.stringify(value, null, 2)} pattern={pattern} />
  </pre>
)
