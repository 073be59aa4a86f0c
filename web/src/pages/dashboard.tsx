import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { all, api, ok, type Schemas, type Status } from '../api/client.ts';
import { useLiveEvents, type HealthChanged, type RunCompleted } from '../live.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { Dot, Gate, Loading, percent, since, StatusBadge, useLoad, ms } from '../ui.tsx';

/** Eight trailing windows: their differences give a 3-hour latency series per system, from one call. */
const RANGES = ['3h', '6h', '9h', '12h', '15h', '18h', '21h', '24h'];
const ROW_HEIGHT = 64;
const OVERSCAN = 8;

interface Row {
  system: Schemas['System'];
  health: Schemas['SystemHealth'] | undefined;
  uptime24h: number | null;
  spark: (number | null)[];
  /** Filled by the live stream: the latest latencies, newest last. */
  live: number[];
}

interface Board {
  systems: Schemas['System'][];
  groups: Schemas['Group'][];
  environments: Schemas['Environment'][];
  health: Map<string, Schemas['SystemHealth']>;
  uptime: Map<string, Schemas['SystemUptime']>;
}

/** Per 3-hour slice, oldest first: (sum over the wider window − sum over the narrower) ÷ their runs' difference. */
export function sparkline(uptime: Schemas['SystemUptime'] | undefined): (number | null)[] {
  if (!uptime) return [];
  const by = new Map(uptime.ranges.map((r) => [r.range, r]));
  const points: (number | null)[] = [];
  for (let i = RANGES.length - 1; i >= 0; i--) {
    const outer = by.get(RANGES[i]!);
    const inner = i > 0 ? by.get(RANGES[i - 1]!) : undefined;
    const outerSum = (outer?.latencyAvg ?? 0) * (outer?.runs ?? 0);
    const innerSum = (inner?.latencyAvg ?? 0) * (inner?.runs ?? 0);
    const runs = (outer?.runs ?? 0) - (inner?.runs ?? 0);
    points.push(runs > 0 ? Math.max(0, (outerSum - innerSum) / runs) : null);
  }
  return points;
}

async function loadBoard(): Promise<Board> {
  // One call each, whatever the number of systems (never one per system).
  const [systems, groups, environments, health, uptime] = await Promise.all([
    all((cursor) => api.GET('/api/v1/systems', { params: { query: { limit: 500, cursor } } })),
    all((cursor) => api.GET('/api/v1/groups', { params: { query: { limit: 500, cursor } } })),
    all((cursor) => api.GET('/api/v1/environments', { params: { query: { limit: 500, cursor } } })),
    ok(api.GET('/api/v1/health', { params: { query: {} } })),
    ok(api.GET('/api/v1/uptime', { params: { query: { ranges: RANGES.join(',') } } })),
  ]);
  return {
    systems,
    groups,
    environments,
    health: new Map(health.items.map((h) => [h.systemId, h])),
    uptime: new Map(uptime.items.map((u) => [u.systemId, u])),
  };
}

/**
 * The board of one group, for a user whose role is limited to some groups: the API lists only
 * what is asked about one of theirs (systems and uptime by ?groupId=, health by ?systemIds=).
 */
async function loadGroupBoard(groupId: string, groups: Schemas['Group'][]): Promise<Board> {
  const [systems, environments, uptime] = await Promise.all([
    all((cursor) => api.GET('/api/v1/systems', { params: { query: { groupId, limit: 500, cursor } } })),
    all((cursor) => api.GET('/api/v1/environments', { params: { query: { limit: 500, cursor } } })),
    ok(api.GET('/api/v1/uptime', { params: { query: { groupId, ranges: RANGES.join(',') } } })),
  ]);
  const health = systems.length ? (await ok(api.GET('/api/v1/health', { params: { query: { systemIds: systems.map((s) => s.id).join(',') } } }))).items : [];
  return {
    systems,
    groups: groups.filter((g) => g.id === groupId),
    environments,
    health: new Map(health.map((h) => [h.systemId, h])),
    uptime: new Map(uptime.items.map((u) => [u.systemId, u])),
  };
}

/** Health changes from the stream, applied to the board in order: the rollup, or one environment's dot. */
function applyHealth(board: Board, changes: HealthChanged[]): Board {
  const health = new Map(board.health);
  for (const event of changes) {
    const current = health.get(event.systemId);
    if (!current) continue;
    const status: Status = event.newStatus ?? 'healthy';
    const counts = { status, healthyChecks: event.healthyChecks, totalChecks: event.totalChecks, since: event.timestamp };
    if (!event.environmentId) {
      health.set(event.systemId, { ...current, ...counts, inStatusSince: event.timestamp });
      continue;
    }
    const known = current.environments.some((e) => e.environmentId === event.environmentId);
    const name = board.environments.find((e) => e.id === event.environmentId)?.name ?? 'environment';
    const environments = known
      ? current.environments.map((e) => (e.environmentId === event.environmentId ? { ...e, ...counts } : e))
      : [...current.environments, { environmentId: event.environmentId, name, ...counts }];
    health.set(event.systemId, { ...current, environments });
  }
  return { ...board, health };
}

type SortKey = 'status' | 'name' | 'uptime' | 'latency' | 'since';
const SEVERITY: Record<string, number> = { unhealthy: 0, degraded: 1, none: 2, healthy: 3 };

export function Dashboard() {
  const session = useSession();
  // No role of their own: a role within some groups, and a board per group.
  return session.me.role ? <WholeDashboard /> : <GroupDashboard groupIds={[...new Set(session.me.grants.flatMap((g) => g.groupIds))]} />;
}

function WholeDashboard() {
  const board = useLoad(loadBoard, []);
  return (
    <div className="page dashboard">
      <h1>Dashboard</h1>
      <Gate loaded={board} what="Loading systems">
        {(data) => <Board data={data} setData={board.set} reload={board.reload} />}
      </Gate>
    </div>
  );
}

/** Refreshed every so often: the event stream answers a group-limited user about one system at a time. */
const GROUP_REFRESH_MS = 15_000;

function GroupDashboard({ groupIds }: { groupIds: string[] }) {
  // Their groups' names: one request per group they were granted (a handful), never per system.
  const groups = useLoad(() => Promise.all(groupIds.map((id) => ok(api.GET('/api/v1/groups/{id}', { params: { path: { id } } })))).then((list) => list.sort((a, b) => a.name.localeCompare(b.name))), [groupIds.join()]);
  const [chosen, setChosen] = useState('');
  const groupId = chosen || groups.data?.[0]?.id || '';
  const board = useLoad(() => (groupId && groups.data ? loadGroupBoard(groupId, groups.data) : Promise.resolve(undefined)), [groupId, groups.data]);
  const { reload } = board;
  useEffect(() => {
    const timer = setInterval(() => !document.hidden && reload(), GROUP_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  return (
    <div className="page dashboard">
      <h1>Dashboard</h1>
      {groupIds.length === 0 ? (
        <p className="empty">Your account has no groups yet: an admin grants them.</p>
      ) : (
        <Gate loaded={groups} what="Loading your groups">
          {(list) => (
            <>
              <form className="filters" onSubmit={(e) => e.preventDefault()}>
                <label>
                  Your group
                  <select value={groupId} onChange={(e) => setChosen(e.target.value)}>
                    {list.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
                  </select>
                </label>
              </form>
              <Gate loaded={board} what="Loading systems">
                {(data) => (data ? <Board data={data} setData={board.set as (update: (b: Board | undefined) => Board | undefined) => void} reload={reload} live={false} groupFilter={false} /> : <Loading what="Loading systems" />)}
              </Gate>
            </>
          )}
        </Gate>
      )}
    </div>
  );
}

function Board({ data, setData, reload, live: streamed = true, groupFilter = true }: { data: Board; setData(update: (b: Board | undefined) => Board | undefined): void; reload(): void; live?: boolean; groupFilter?: boolean }) {
  const session = useSession();
  const [text, setText] = useState('');
  const [group, setGroup] = useState('');
  const [environment, setEnvironment] = useState('');
  const [status, setStatus] = useState('');
  const [sort, setSort] = useState<SortKey>('status');
  const [now, setNow] = useState(Date.now());
  const [live, setLive] = useState<Map<string, number[]>>(new Map());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 5_000);
    return () => clearInterval(timer);
  }, []);

  // Live: health changes update the row in place; an unknown system means the catalog changed.
  const pendingReload = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const known = useRef(new Set<string>());
  known.current = new Set(data.systems.map((s) => s.id));
  // Events arrive in bursts (50 a second with thousands of systems): applied together, at most every 100 ms.
  const pending = useRef<{ health: HealthChanged[]; runs: RunCompleted[]; timer?: ReturnType<typeof setTimeout> }>({ health: [], runs: [] });
  const flush = useCallback(() => {
    const { health: changes, runs } = pending.current;
    pending.current = { health: [], runs: [] };
    if (changes.length) setData((board) => (board ? applyHealth(board, changes) : board));
    if (runs.length) {
      setLive((current) => {
        const next = new Map(current);
        for (const run of runs) if (run.latencyMs !== null) next.set(run.systemId, [...(next.get(run.systemId) ?? []), run.latencyMs].slice(-12));
        return next;
      });
    }
  }, [setData]);
  const later = () => (pending.current.timer ??= setTimeout(flush, 100));
  useLiveEvents(
    // Runs once a second in one event (the list redraws at most every 100 ms anyway); changes at once.
    streamed ? { environments: 'all', coalesce: '1s' } : null,
    {
      health: (event) => {
        if (!known.current.has(event.systemId)) {
          clearTimeout(pendingReload.current);
          pendingReload.current = setTimeout(reload, 500);
          return;
        }
        pending.current.health.push(event);
        later();
      },
      run: (event) => {
        pending.current.runs.push(event);
        later();
      },
      ready: reload,
    },
  );

  const rows = useMemo<Row[]>(() => {
    const needle = text.trim().toLowerCase();
    const members = group ? new Set(data.groups.find((g) => g.id === group)?.systemIds ?? []) : undefined;
    const list: Row[] = [];
    for (const system of data.systems) {
      if (members && !members.has(system.id)) continue;
      if (environment && !system.environmentIds.includes(environment)) continue;
      if (needle && !system.name.toLowerCase().includes(needle) && !system.description.toLowerCase().includes(needle)) continue;
      const health = data.health.get(system.id);
      if (status && (health?.status ?? 'none') !== status) continue;
      const uptime = data.uptime.get(system.id);
      list.push({ system, health, uptime24h: uptime?.ranges.find((r) => r.range === '24h')?.uptime ?? null, spark: sparkline(uptime), live: live.get(system.id) ?? [] });
    }
    const compare: Record<SortKey, (a: Row, b: Row) => number> = {
      status: (a, b) => SEVERITY[a.health?.status ?? 'none']! - SEVERITY[b.health?.status ?? 'none']!,
      name: () => 0,
      uptime: (a, b) => (a.uptime24h ?? 101) - (b.uptime24h ?? 101),
      latency: (a, b) => (b.health?.latencyMs ?? -1) - (a.health?.latencyMs ?? -1),
      since: (a, b) => Date.parse(b.health?.inStatusSince ?? '1970-01-01') - Date.parse(a.health?.inStatusSince ?? '1970-01-01'),
    };
    return list.sort((a, b) => compare[sort](a, b) || a.system.name.localeCompare(b.system.name));
  }, [data, text, group, environment, status, sort, live]);

  const counts = useMemo(() => {
    const c = { healthy: 0, degraded: 0, unhealthy: 0, none: 0 };
    for (const h of data.systems) c[(data.health.get(h.id)?.status ?? 'none') as keyof typeof c]++;
    return c;
  }, [data]);
  const environmentNames = useMemo(() => new Map(data.environments.map((e) => [e.id, e.name])), [data.environments]);

  return (
    <>
      <p className="summary" aria-live="polite">
        {data.systems.length} systems · <span className="status-healthy">{counts.healthy} healthy</span> · <span className="status-degraded">{counts.degraded} degraded</span> ·{' '}
        <span className="status-unhealthy">{counts.unhealthy} unhealthy</span> · {counts.none} without data
      </p>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Name or description" />
        </label>
        {groupFilter && (
          <label>
            Group
            <select value={group} onChange={(e) => setGroup(e.target.value)}>
              <option value="">All groups</option>
              {data.groups.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
            </select>
          </label>
        )}
        <label>
          Environment
          <select value={environment} onChange={(e) => setEnvironment(e.target.value)}>
            <option value="">All environments</option>
            {data.environments.map((e) => <option key={e.id} value={e.id}>{e.name}</option>)}
          </select>
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any status</option>
            <option value="unhealthy">Unhealthy</option>
            <option value="degraded">Degraded</option>
            <option value="healthy">Healthy</option>
            <option value="none">No data</option>
          </select>
        </label>
        <label>
          Sort
          <select value={sort} onChange={(e) => setSort(e.target.value as SortKey)}>
            <option value="status">Worst first</option>
            <option value="name">Name</option>
            <option value="uptime">Lowest uptime</option>
            <option value="latency">Slowest</option>
            <option value="since">Most recent change</option>
          </select>
        </label>
      </form>
      {data.systems.length === 0 ? (
        <p className="empty">
          No systems yet. {session.canEdit ? <Link to="/systems">Create the first one</Link> : 'An editor can add them.'}
        </p>
      ) : rows.length === 0 ? (
        <p className="empty">No system matches these filters.</p>
      ) : (
        <SystemList rows={rows} now={now} environmentNames={environmentNames} />
      )}
    </>
  );
}

/** Only the rows in view (plus a few) are in the DOM: thousands of systems scroll as fast as ten. */
function SystemList({ rows, now, environmentNames }: { rows: Row[]; now: number; environmentNames: Map<string, string> }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const onScroll = useCallback(() => setScrollTop(scroller.current?.scrollTop ?? 0), []);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  return (
    <div className="system-list" ref={scroller} onScroll={onScroll} role="list" aria-label={`${rows.length} systems`} tabIndex={0}>
      <div style={{ height: rows.length * ROW_HEIGHT, position: 'relative' }}>
        {rows.slice(first, last).map((row, i) => (
          <SystemRow key={row.system.id} row={row} top={(first + i) * ROW_HEIGHT} now={now} environmentNames={environmentNames} position={first + i + 1} total={rows.length} />
        ))}
      </div>
    </div>
  );
}

function SystemRow({ row, top, now, environmentNames, position, total }: { row: Row; top: number; now: number; environmentNames: Map<string, string>; position: number; total: number }) {
  const { system, health } = row;
  const series = row.live.length >= 2 ? [...row.spark, ...row.live] : row.spark;
  return (
    <div className="system-row" role="listitem" aria-posinset={position} aria-setsize={total} style={{ top, height: ROW_HEIGHT }} data-system={system.name} data-status={health?.status ?? 'none'}>
      <StatusBadge status={health?.status} />
      <div className="name">
        <Link to={`/systems/${system.id}`}>{system.name}</Link>
        <span className="envs">
          {(health?.environments ?? []).map((e) => <Dot key={e.environmentId} status={e.status} label={environmentNames.get(e.environmentId) ?? e.name} />)}
        </span>
      </div>
      <span className="metric" title="Uptime over the last 24 hours">
        <small>24h</small> {percent(row.uptime24h)}
      </span>
      <Sparkline values={series} label={`Latency of ${system.name}`} />
      <span className="metric" title="Latest latency">{ms(health?.latencyMs)}</span>
      <span className="metric since" title={health?.inStatusSince ? `Since ${new Date(health.inStatusSince).toLocaleString()}` : 'No status yet'}>
        <small>since</small> {since(health?.inStatusSince, now)}
      </span>
    </div>
  );
}

export function Sparkline({ values, label, width = 96, height = 28 }: { values: (number | null)[]; label: string; width?: number; height?: number }) {
  const numbers = values.filter((v): v is number => v !== null);
  if (numbers.length < 2) return <span className="spark empty" aria-label={`${label}: not enough data`}>—</span>;
  const max = Math.max(...numbers) || 1;
  const step = width / (values.length - 1);
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`;
    pen = true;
  });
  return (
    <svg className="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label}: ${Math.round(numbers[numbers.length - 1]!)} ms latest, ${Math.round(max)} ms highest`}>
      <path d={d} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
