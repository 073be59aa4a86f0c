import { useState, type FormEvent } from 'react';
import { all, api, ok } from '../api/client.ts';
import { Link, navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { ErrorBox, Field, Gate, useAction, useLoad } from '../ui.tsx';
import { ManagedTag, useManaged } from '../managed.tsx';

export default function SystemsPage() {
  const session = useSession();
  const loaded = useLoad(async () => {
    const [systems, groups] = await Promise.all([
      all((cursor) => api.GET('/api/v1/systems', { params: { query: { limit: 500, cursor } } })),
      all((cursor) => api.GET('/api/v1/groups', { params: { query: { limit: 500, cursor } } })),
    ]);
    return { systems, groups };
  }, []);
  const managed = useManaged('System');
  return (
    <div className="page">
      <h1>Systems</h1>
      {session.canEdit && <NewSystem groups={loaded.data?.groups ?? []} />}
      <Gate loaded={loaded} what="Loading systems">
        {({ systems, groups }) =>
          systems.length === 0 ? (
            <p className="empty">No systems yet.</p>
          ) : (
            <table>
              <thead>
                <tr><th scope="col">Name</th><th scope="col">Groups</th><th scope="col">Public</th><th scope="col">Description</th></tr>
              </thead>
              <tbody>
                {systems.slice(0, 500).map((s) => (
                  <tr key={s.id}>
                    <td><Link to={`/systems/${s.id}`}>{s.name}</Link><ManagedTag resource={managed.get(s.id)} /></td>
                    <td>{s.groupIds.map((g) => groups.find((x) => x.id === g)?.name ?? g).join(', ')}</td>
                    <td>{s.public ? 'yes' : 'no'}</td>
                    <td>{s.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Gate>
    </div>
  );
}

function NewSystem({ groups }: { groups: { id: string; name: string }[] }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [isPublic, setPublic] = useState(false);
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const action = useAction();
  const fieldError = (field: string) => (action.error as { details?: { path: string; message: string }[] } | undefined)?.details?.find((d) => d.path === field)?.message;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const created = await action.run(() => ok(api.POST('/api/v1/systems', { body: { name, description, public: isPublic, groupIds, tags: {} } })));
    if (created) navigate(`/systems/${created.id}`);
  };
  return (
    <details className="card" open>
      <summary>New system</summary>
      <form onSubmit={submit}>
        <Field label="Name" id="system-name" error={fieldError('name')}>
          <input id="system-name" required value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Description" id="system-description">
          <input id="system-description" value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <div className="field check">
          <label htmlFor="system-public"><input id="system-public" type="checkbox" checked={isPublic} onChange={(e) => setPublic(e.target.checked)} /> Public (shown on the status page)</label>
        </div>
        {groups.length > 0 && (
          <Field label="Groups" id="system-groups" hint="Ctrl/⌘-click for several">
            <select id="system-groups" multiple value={groupIds} onChange={(e) => setGroupIds([...e.target.selectedOptions].map((o) => o.value))}>
              {groups.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
            </select>
          </Field>
        )}
        {action.error && !fieldError('name') && <ErrorBox error={action.error} />}
        <button type="submit" className="primary" disabled={action.busy}>{action.busy ? 'Creating…' : 'Create system'}</button>
      </form>
    </details>
  );
}
