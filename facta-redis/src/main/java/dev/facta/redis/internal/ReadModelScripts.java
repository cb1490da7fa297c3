package dev.facta.redis.internal;

/**
 * The Lua scripts of the Redis read-model store. Keys of a collection start with its base
 * ({@code <prefix>:rm:<name>}): {@code :docs} (hash id to JSON), {@code :rev} (hash id to revision),
 * {@code :ids} (ids in code point order), {@code :ent} (hash id to the index entries it holds),
 * {@code :exp} (expiry time of each document when the collection has a TTL), {@code :idx} (declared
 * indexes), {@code :meta} (counters {@code iv} of index changes and {@code wv} of writes) and
 * {@code :i:<kind>:<field>} (one sorted set per indexed field, one hash per unique index).
 */
public final class ReadModelScripts {
    private ReadModelScripts() {
    }

    /** Helpers every script starts with. Entries are triples (key suffix, member, score) length-prefixed. */
    private static final String PRELUDE = """
            local function decode(s)
              local out, i = {}, 1
              while i <= #s do
                local c = string.find(s, ':', i, true)
                local n = tonumber(string.sub(s, i, c - 1))
                out[#out + 1] = string.sub(s, c + 1, c + n)
                i = c + 1 + n
              end
              return out
            end
            local function unique(suffix) return string.sub(suffix, 2, 2) == 'u' end
            local function unindex(base, id)
              local enc = redis.call('HGET', base .. ':ent', id)
              if not enc then return end
              local f = decode(enc)
              for i = 1, #f, 3 do
                local key = base .. ':i:' .. f[i]
                if unique(f[i]) then
                  if redis.call('HGET', key, f[i + 1]) == id then redis.call('HDEL', key, f[i + 1]) end
                else
                  redis.call('ZREM', key, f[i + 1])
                end
              end
              redis.call('HDEL', base .. ':ent', id)
            end
            local function index(base, id, enc)
              if enc == '' then return end
              local f = decode(enc)
              for i = 1, #f, 3 do
                local key = base .. ':i:' .. f[i]
                if unique(f[i]) then redis.call('HSET', key, f[i + 1], id) else redis.call('ZADD', key, f[i + 2], f[i + 1]) end
              end
              local old = redis.call('HGET', base .. ':ent', id) or ''
              redis.call('HSET', base .. ':ent', id, old .. enc)
            end
            local function remove(base, id)
              unindex(base, id)
              redis.call('HDEL', base .. ':rev', id)
              redis.call('ZREM', base .. ':ids', id)
              redis.call('ZREM', base .. ':exp', id)
              return redis.call('HDEL', base .. ':docs', id)
            end
            local function now()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            local function purge(base)
              local gone = redis.call('ZRANGEBYSCORE', base .. ':exp', '-inf', now())
              for _, id in ipairs(gone) do remove(base, id) end
              if #gone > 0 then redis.call('HINCRBY', base .. ':meta', 'wv', 1) end
            end
            local function settle(list, base, name)
              if redis.call('EXISTS', base .. ':docs') == 1 or redis.call('EXISTS', base .. ':idx') == 1 then
                redis.call('ZADD', list, 0, name)
                return true
              end
              redis.call('ZREM', list, name)
              return false
            end
            local function datakeys(base)
              local keys = {base .. ':docs', base .. ':rev', base .. ':ent', base .. ':ids', base .. ':exp'}
              for _, def in ipairs(redis.call('HKEYS', base .. ':idx')) do
                local field = string.sub(def, string.find(def, ':', 1, true) + 1)
                keys[#keys + 1] = base .. ':i:' .. string.sub(def, 1, 1) .. ':' .. field
                if unique(def) then keys[#keys + 1] = base .. ':i:' .. def end
              end
              return keys
            end
            local function expire(base, ttl)
              if ttl > 0 then
                for _, k in ipairs(datakeys(base)) do redis.call('PEXPIRE', k, ttl) end
              end
            end
            """;

    /** The declared indexes: {iv, def...}. ARGV: base. */
    public static final Scripts DEFS = new Scripts(PRELUDE + """
            local out = {redis.call('HGET', ARGV[1] .. ':meta', 'iv') or '0'}
            for _, d in ipairs(redis.call('HKEYS', ARGV[1] .. ':idx')) do out[#out + 1] = d end
            return out
            """);

    /**
     * Writes documents after checking revisions and unique indexes; refuses all when one fails.
     * ARGV: list, base, name, iv, ttl, n, then per document id, json, entries, expected revision ('' any).
     */
    public static final Scripts PUT = new Scripts(PRELUDE + """
            local list, base, name = ARGV[1], ARGV[2], ARGV[3]
            if (redis.call('HGET', base .. ':meta', 'iv') or '0') ~= ARGV[4] then return {'STALE'} end
            purge(base)
            local ttl, n = tonumber(ARGV[5]), tonumber(ARGV[6])
            local ids, claims = {}, {}
            for d = 0, n - 1 do ids[ARGV[7 + d * 4]] = true end
            for d = 0, n - 1 do
              local at = 7 + d * 4
              local id, expected = ARGV[at], ARGV[at + 3]
              if expected ~= '' then
                local rev = redis.call('HGET', base .. ':rev', id) or '0'
                if rev ~= expected then return {'CONFLICT', id, rev} end
              end
              local f = decode(ARGV[at + 2])
              for i = 1, #f, 3 do
                if unique(f[i]) then
                  local slot = f[i] .. '\\0' .. f[i + 1]
                  local other = claims[slot]
                  if other and other ~= id then return {'UNIQUE', f[i], id, other} end
                  claims[slot] = id
                  local holder = redis.call('HGET', base .. ':i:' .. f[i], f[i + 1])
                  if holder and holder ~= id and not ids[holder] then return {'UNIQUE', f[i], id, holder} end
                end
              end
            end
            for d = 0, n - 1 do unindex(base, ARGV[7 + d * 4]) end
            local expiry = ttl > 0 and now() + ttl or 0
            for d = 0, n - 1 do
              local at = 7 + d * 4
              local id = ARGV[at]
              redis.call('HSET', base .. ':docs', id, ARGV[at + 1])
              redis.call('HINCRBY', base .. ':rev', id, 1)
              redis.call('ZADD', base .. ':ids', 0, id)
              index(base, id, ARGV[at + 2])
              if ttl > 0 then redis.call('ZADD', base .. ':exp', expiry, id) else redis.call('ZREM', base .. ':exp', id) end
            end
            redis.call('HINCRBY', base .. ':meta', 'wv', 1)
            expire(base, ttl)
            settle(list, base, name)
            return {'OK'}
            """);

    /** Deletes one document. ARGV: list, base, name, id, expected revision ('' any). Returns {'OK', 0|1}. */
    public static final Scripts DELETE = new Scripts(PRELUDE + """
            local list, base, name, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
            purge(base)
            if ARGV[5] ~= '' then
              local rev = redis.call('HGET', base .. ':rev', id) or '0'
              if rev ~= ARGV[5] then return {'CONFLICT', id, rev} end
            end
            local n = remove(base, id)
            if n == 1 then redis.call('HINCRBY', base .. ':meta', 'wv', 1) end
            settle(list, base, name)
            return {'OK', tostring(n)}
            """);

    /** Deletes every document but keeps the indexes. ARGV: list, base, name. */
    public static final Scripts CLEAR = new Scripts(PRELUDE + """
            local list, base, name = ARGV[1], ARGV[2], ARGV[3]
            for _, k in ipairs(datakeys(base)) do redis.call('DEL', k) end
            redis.call('HINCRBY', base .. ':meta', 'wv', 1)
            settle(list, base, name)
            return 1
            """);

    /** Deletes documents and indexes; the counters go on so that cached index lists turn stale. ARGV: list, base, name. */
    public static final Scripts DROP = new Scripts(PRELUDE + """
            local list, base, name = ARGV[1], ARGV[2], ARGV[3]
            for _, k in ipairs(datakeys(base)) do redis.call('DEL', k) end
            redis.call('DEL', base .. ':idx')
            redis.call('HINCRBY', base .. ':meta', 'wv', 1)
            redis.call('HINCRBY', base .. ':meta', 'iv', 1)
            redis.call('ZREM', list, name)
            return 1
            """);

    /** Documents by id: a list aligned with the ids, nil where none. ARGV: base, id... */
    public static final Scripts GET = new Scripts(PRELUDE + """
            purge(ARGV[1])
            return redis.call('HMGET', ARGV[1] .. ':docs', unpack(ARGV, 2))
            """);

    /** One document with its revision: {json or nil, revision}. ARGV: base, id. */
    public static final Scripts GET_REVISION = new Scripts(PRELUDE + """
            purge(ARGV[1])
            return {redis.call('HGET', ARGV[1] .. ':docs', ARGV[2]) or false, redis.call('HGET', ARGV[1] .. ':rev', ARGV[2]) or '0'}
            """);

    /**
     * Candidate documents for a query as {id, json, ...}. ARGV: base, mode, then: 'all' nothing; 'count'
     * nothing (returns the number of documents); 'page' offset, count (ids in order); 'score' and 'lex'
     * key suffix then (op, value) pairs whose matches are united.
     */
    public static final Scripts FIND = new Scripts(PRELUDE + """
            local base, mode = ARGV[1], ARGV[2]
            purge(base)
            if mode == 'count' then return redis.call('HLEN', base .. ':docs') end
            if mode == 'all' then return redis.call('HGETALL', base .. ':docs') end
            local ids, seen = {}, {}
            if mode == 'page' then
              ids = redis.call('ZRANGEBYLEX', base .. ':ids', '-', '+', 'LIMIT', tonumber(ARGV[3]), tonumber(ARGV[4]))
            else
              local key = base .. ':i:' .. ARGV[3]
              for i = 4, #ARGV, 2 do
                local op, v = ARGV[i], ARGV[i + 1]
                local found
                if mode == 'score' then
                  local min, max = v, v
                  if op == 'gt' or op == 'gte' then max = '+inf' elseif op == 'lt' or op == 'lte' then min = '-inf' end
                  found = redis.call('ZRANGEBYSCORE', key, min, max)
                else
                  local min, max
                  if op == 'eq' then min, max = '[' .. v .. '\\0', '(' .. v .. '\\1'
                  elseif op == 'gt' then min, max = '(' .. v .. '\\0\\255', '+'
                  elseif op == 'gte' then min, max = '[' .. v .. '\\0', '+'
                  elseif op == 'lt' then min, max = '-', '(' .. v .. '\\0'
                  elseif op == 'lte' then min, max = '-', '(' .. v .. '\\1'
                  else min, max = '[' .. v, '(' .. v .. '\\255' end
                  found = {}
                  for _, m in ipairs(redis.call('ZRANGEBYLEX', key, min, max)) do
                    found[#found + 1] = string.sub(m, string.find(m, '\\0', 1, true) + 1)
                  end
                end
                for _, id in ipairs(found) do
                  if not seen[id] then seen[id] = true; ids[#ids + 1] = id end
                end
              end
            end
            local out = {}
            if #ids == 0 then return out end
            for from = 1, #ids, 1000 do
              local to = math.min(from + 999, #ids)
              local docs = redis.call('HMGET', base .. ':docs', unpack(ids, from, to))
              for i = from, to do
                if docs[i - from + 1] then out[#out + 1] = ids[i]; out[#out + 1] = docs[i - from + 1] end
              end
            end
            return out
            """);

    /** Every document with the counters, for building a new index: {wv, iv, id, json, ...}. ARGV: base. */
    public static final Scripts SNAPSHOT = new Scripts(PRELUDE + """
            local base = ARGV[1]
            purge(base)
            local out = {redis.call('HGET', base .. ':meta', 'wv') or '0', redis.call('HGET', base .. ':meta', 'iv') or '0'}
            local all = redis.call('HGETALL', base .. ':docs')
            for i = 1, #all do out[#out + 1] = all[i] end
            return out
            """);

    /**
     * Installs an index built from a snapshot, unless anything was written since. ARGV: list, base, name,
     * wv, iv, def, ttl, then (id, entries) pairs.
     */
    public static final Scripts INSTALL = new Scripts(PRELUDE + """
            local list, base, name = ARGV[1], ARGV[2], ARGV[3]
            if (redis.call('HGET', base .. ':meta', 'wv') or '0') ~= ARGV[4]
                or (redis.call('HGET', base .. ':meta', 'iv') or '0') ~= ARGV[5] then return 'STALE' end
            if redis.call('HEXISTS', base .. ':idx', ARGV[6]) == 1 then return 'OK' end
            redis.call('HSET', base .. ':idx', ARGV[6], '1')
            redis.call('HINCRBY', base .. ':meta', 'iv', 1)
            for i = 8, #ARGV, 2 do index(base, ARGV[i], ARGV[i + 1]) end
            if redis.call('EXISTS', base .. ':docs') == 1 then expire(base, tonumber(ARGV[7])) end
            settle(list, base, name)
            return 'OK'
            """);

    /** The collections that hold documents or indexes, in name order. ARGV: list. */
    public static final Scripts COLLECTIONS = new Scripts(PRELUDE + """
            local out = {}
            for _, name in ipairs(redis.call('ZRANGE', ARGV[1], 0, -1)) do
              local base = ARGV[1] .. ':' .. name
              purge(base)
              if settle(ARGV[1], base, name) then out[#out + 1] = name end
            end
            return out
            """);
}
