using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace InvoiceOcr.Sdk.SqlServer.Tests.Schema;

/// <summary>
/// A small binder over parsed T-SQL: learns the tables, views and columns the migrations create, then checks that
/// every table and column a statement references exists (through aliases, derived tables, OUTPUT inserted/deleted).
/// </summary>
public sealed class TSqlBinder
{
    private readonly Dictionary<string, HashSet<string>> _relations = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyDictionary<string, HashSet<string>> Relations => _relations;

    public static TSqlFragment Parse(string sql)
    {
        var parser = new TSql160Parser(initialQuotedIdentifiers: true);
        var fragment = parser.Parse(new StringReader(sql), out var errors);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException("T-SQL parse errors:\n" + string.Join("\n", errors.Select(e => $"  line {e.Line}, col {e.Column}: {e.Message}")) + "\n--- in ---\n" + sql);
        }

        return fragment;
    }

    /// <summary>Learns the relations a script creates (CREATE TABLE and CREATE [OR ALTER] VIEW).</summary>
    public void Learn(TSqlFragment script)
    {
        var learner = new Learner();
        script.Accept(learner);
        foreach (var (name, columns) in learner.Found)
        {
            _relations[name] = columns;
        }
    }

    /// <summary>Returns every binding error of a script (empty when every table and column exists).</summary>
    public IReadOnlyList<string> Bind(TSqlFragment script)
    {
        var errors = new List<string>();
        var statements = script is TSqlScript s ? s.Batches.SelectMany(b => b.Statements) : [(TSqlStatement)script];
        foreach (var statement in statements)
        {
            BindStatement(statement, errors);
        }

        return errors;
    }

    private void BindStatement(TSqlStatement statement, List<string> errors)
    {
        var scope = new ScopeCollector();
        statement.Accept(scope);

        // Aliases and base names of every relation the statement touches.
        var byName = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        var all = new List<HashSet<string>>();
        foreach (var (name, alias) in scope.Tables)
        {
            if (!_relations.TryGetValue(name, out var columns))
            {
                errors.Add($"Unknown table or view '{name}'.");
                continue;
            }

            all.Add(columns);
            byName[name] = columns;
            if (alias is not null)
            {
                byName[alias] = columns;
            }
        }

        foreach (var (alias, columns) in scope.DerivedTables)
        {
            byName[alias] = columns;
            all.Add(columns);
        }

        foreach (var reference in scope.Columns)
        {
            var ids = reference.MultiPartIdentifier.Identifiers;
            var column = ids[^1].Value;
            if (ids.Count >= 2)
            {
                var qualifier = ids[^2].Value;
                if (qualifier.Equals("inserted", StringComparison.OrdinalIgnoreCase) || qualifier.Equals("deleted", StringComparison.OrdinalIgnoreCase))
                {
                    if (!all.Any(c => c.Contains(column)))
                    {
                        errors.Add($"Column '{qualifier}.{column}' does not exist in the statement's target.");
                    }
                }
                else if (!byName.TryGetValue(qualifier, out var columns))
                {
                    errors.Add($"Unknown table alias '{qualifier}' (column '{column}').");
                }
                else if (!columns.Contains(column))
                {
                    errors.Add($"Column '{column}' does not exist in '{qualifier}'.");
                }
            }
            else if (!all.Any(c => c.Contains(column)) && !scope.SelectAliases.Contains(column))
            {
                errors.Add($"Column '{column}' does not exist in any table the statement references ({string.Join(", ", scope.Tables.Select(t => t.Name))}).");
            }
        }
    }

    private static string? OutputName(SelectElement element) => element switch
    {
        SelectScalarExpression { ColumnName: { } alias } => alias.Value,
        SelectScalarExpression { Expression: ColumnReferenceExpression column } => column.MultiPartIdentifier.Identifiers[^1].Value,
        _ => null,
    };

    private sealed class Learner : TSqlFragmentVisitor
    {
        public List<(string Name, HashSet<string> Columns)> Found { get; } = [];

        public override void Visit(CreateTableStatement node) =>
            Found.Add((node.SchemaObjectName.BaseIdentifier.Value, new HashSet<string>(node.Definition.ColumnDefinitions.Select(c => c.ColumnIdentifier.Value), StringComparer.OrdinalIgnoreCase)));

        public override void Visit(CreateViewStatement node) => AddView(node);

        public override void Visit(CreateOrAlterViewStatement node) => AddView(node);

        private void AddView(ViewStatementBody view)
        {
            if (view.SelectStatement.QueryExpression is QuerySpecification query)
            {
                Found.Add((view.SchemaObjectName.BaseIdentifier.Value, new HashSet<string>(query.SelectElements.Select(OutputName).OfType<string>(), StringComparer.OrdinalIgnoreCase)));
            }
        }
    }

    private sealed class ScopeCollector : TSqlFragmentVisitor
    {
        public List<(string Name, string? Alias)> Tables { get; } = [];

        public List<(string Alias, HashSet<string> Columns)> DerivedTables { get; } = [];

        public List<ColumnReferenceExpression> Columns { get; } = [];

        public HashSet<string> SelectAliases { get; } = new(StringComparer.OrdinalIgnoreCase);

        public override void Visit(NamedTableReference node) => Tables.Add((node.SchemaObject.BaseIdentifier.Value, node.Alias?.Value));

        public override void Visit(CreateTableStatement node) => Tables.Add((node.SchemaObjectName.BaseIdentifier.Value, null));

        public override void Visit(CreateIndexStatement node) => Tables.Add((node.OnName.BaseIdentifier.Value, null));

        public override void Visit(QueryDerivedTable node)
        {
            if (node.QueryExpression is QuerySpecification query && node.Alias is not null)
            {
                DerivedTables.Add((node.Alias.Value, new HashSet<string>(query.SelectElements.Select(OutputName).OfType<string>(), StringComparer.OrdinalIgnoreCase)));
            }
        }

        public override void Visit(SelectScalarExpression node)
        {
            if (node.ColumnName is { } alias)
            {
                SelectAliases.Add(alias.Value);
            }
        }

        public override void Visit(ColumnReferenceExpression node)
        {
            if (node.ColumnType == ColumnType.Regular && node.MultiPartIdentifier is not null)
            {
                Columns.Add(node);
            }
        }
    }
}
