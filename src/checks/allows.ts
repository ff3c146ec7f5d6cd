/** Whether a client's list of grant or response types allows `type`; `*` allows every registered one. */
export function allows(list: readonly string[], type: string): boolean {
  return list.includes(type) || list.includes('*')
}
