export const Level = ({ level }: { level: string }) => <span class={`level level-${level.toLowerCase()}`}>{level}</span>
