using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace InvoiceOcr.Sdk.SqlServer.Tests.Schema;

/// <summary>
/// A binder over parsed T-SQL that rejects what SQL Server would reject at compile or run time: it learns the tables
/// and views the migrations create (schema, columns, types, NULL-ability, defaults), then resolves every table in its
/// schema and every column per table and alias and scope (derived tables, subqueries, OUTPUT inserted/deleted), checks
/// ambiguous and unknown columns, SELECT aliases used as columns, unknown functions, every <c>@parameter</c> against
/// what the C# code binds (names, count, types), INSERT column and value counts, NOT NULL columns without defaults,
/// and type compatibility of comparisons, assignments and inserted values.
/// </summary>
/// <remarks>
/// It fails closed: a statement or expression kind it does not model is an <see cref="BindErrorKind.Unsupported"/>
/// error, so a new construct in the store's SQL is noticed rather than passed unchecked.
/// </remarks>
public sealed class TSqlBinder
{
    private const string DefaultSchema = "dbo";

    // Built-in functions the store's SQL may call, with how their result is typed.
    private static readonly Dictionary<string, Func<IReadOnlyList<SqlType>, SqlType>> Functions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["SYSUTCDATETIME"] = _ => new SqlType(SqlTypeKind.DateTime, 0, "DATETIME2"),
        ["SYSDATETIME"] = _ => new SqlType(SqlTypeKind.DateTime, 0, "DATETIME2"),
        ["GETUTCDATE"] = _ => new SqlType(SqlTypeKind.DateTime, 0, "DATETIME"),
        ["COUNT"] = _ => new SqlType(SqlTypeKind.Integer, 4, "INT"),
        ["COUNT_BIG"] = _ => new SqlType(SqlTypeKind.Integer, 8, "BIGINT"),
        ["SUM"] = First,
        ["MIN"] = First,
        ["MAX"] = First,
        ["AVG"] = First,
        ["ABS"] = First,
        ["ROUND"] = First,
        ["ISNULL"] = First,
        ["DATEADD"] = a => a.Count == 3 ? a[2] : SqlType.Unknown,
        ["DATEDIFF"] = _ => new SqlType(SqlTypeKind.Integer, 4, "INT"),
        ["DATEDIFF_BIG"] = _ => new SqlType(SqlTypeKind.Integer, 8, "BIGINT"),
        ["SCHEMA_ID"] = _ => new SqlType(SqlTypeKind.Integer, 4, "INT"),
        ["OBJECT_ID"] = _ => new SqlType(SqlTypeKind.Integer, 4, "INT"),
        ["COL_LENGTH"] = _ => new SqlType(SqlTypeKind.Integer, 2, "SMALLINT"),
        ["LEN"] = _ => new SqlType(SqlTypeKind.Integer, 4, "INT"),
        ["DATALENGTH"] = _ => new SqlType(SqlTypeKind.Integer, 4, "INT"),
        ["UPPER"] = First,
        ["LOWER"] = First,
    };

    // Functions whose first argument is a date part keyword (parsed as a column reference, never bound as one).
    private static readonly HashSet<string> DatePartFunctions = new(StringComparer.OrdinalIgnoreCase) { "DATEADD", "DATEDIFF", "DATEDIFF_BIG", "DATEPART", "DATENAME" };

    // System procedures the store executes, with the types of their named parameters.
    private static readonly Dictionary<string, Dictionary<string, SqlType>> Procedures = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sys.sp_getapplock"] = new(StringComparer.OrdinalIgnoreCase)
        {
            ["@Resource"] = new(SqlTypeKind.Text, 0, "NVARCHAR(255)"),
            ["@LockMode"] = new(SqlTypeKind.Text, 0, "VARCHAR(32)"),
            ["@LockOwner"] = new(SqlTypeKind.Text, 0, "VARCHAR(32)"),
            ["@LockTimeout"] = new(SqlTypeKind.Integer, 4, "INT"),
            ["@DbPrincipal"] = new(SqlTypeKind.Text, 0, "SYSNAME"),
        },
    };

    private readonly Dictionary<(string Schema, string Name), SqlRelation> _relations = new(KeyComparer.Instance);

    /// <summary>Gets every relation learned, by name (the first learned when two schemas hold the same name).</summary>
    public IReadOnlyDictionary<string, SqlRelation> Relations =>
        _relations.GroupBy(r => r.Key.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>Parses T-SQL with the SQL Server 2022 parser; throws on a syntax error.</summary>
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

    /// <summary>Returns the names of the parameters a statement uses: every <c>@variable</c> not declared in its batch.</summary>
    public static IReadOnlySet<string> ParametersOf(TSqlFragment script)
    {
        var collector = new VariableCollector();
        script.Accept(collector);
        var result = new HashSet<string>(collector.Used, StringComparer.OrdinalIgnoreCase);
        result.ExceptWith(collector.Declared);
        return result;
    }

    /// <summary>Learns the relations a script creates (CREATE TABLE and CREATE [OR ALTER] VIEW), in script order.</summary>
    public void Learn(TSqlFragment script)
    {
        foreach (var statement in Statements(script).SelectMany(Flatten))
        {
            switch (statement)
            {
                case CreateTableStatement table:
                    LearnTable(table);
                    break;
                case AlterTableAddTableElementStatement alter:
                    LearnAddedColumns(alter);
                    break;
                case ViewStatementBody view:
                    var context = new Context(this, new Dictionary<string, SqlType>(StringComparer.OrdinalIgnoreCase), checkParameters: false);
                    var output = context.Query(view.SelectStatement.QueryExpression, null);
                    _relations[(SchemaOf(view.SchemaObjectName), view.SchemaObjectName.BaseIdentifier.Value)] =
                        new SqlRelation(SchemaOf(view.SchemaObjectName), view.SchemaObjectName.BaseIdentifier.Value, isView: true, output.Select(c => c with { HasDefault = false }));
                    break;
            }
        }
    }

    /// <summary>Binds a script that takes no parameters (migrations, DDL): every <c>@variable</c> must be declared.</summary>
    public IReadOnlyList<BindError> Bind(TSqlFragment script) => Bind(script, new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase));

    /// <summary>Binds a statement against the parameters the C# code binds to it.</summary>
    /// <param name="script">The parsed statement.</param>
    /// <param name="parameters">Each bound parameter name (with its <c>@</c>) and the full name of its value's .NET type (null when not known).</param>
    /// <returns>Every error; empty when SQL Server would accept the statement with these parameters.</returns>
    public IReadOnlyList<BindError> Bind(TSqlFragment script, IReadOnlyDictionary<string, string?> parameters)
    {
        var types = parameters.ToDictionary(p => p.Key, p => SqlType.FromClr(p.Value), StringComparer.OrdinalIgnoreCase);
        var context = new Context(this, types, checkParameters: true);
        foreach (var batch in script is TSqlScript s ? s.Batches.Select(b => (IEnumerable<TSqlStatement>)b.Statements) : [Statements(script)])
        {
            context.DeclaredVariables.Clear();
            foreach (var statement in batch)
            {
                context.Statement(statement);
            }
        }

        foreach (var unused in parameters.Keys.Where(p => !context.UsedParameters.Contains(p)))
        {
            context.Errors.Add(new BindError(BindErrorKind.UnusedParameter, $"Parameter '{unused}' is bound by the C# code but the statement does not use it."));
        }

        return context.Errors;
    }

    /// <summary>
    /// Returns the column types of the result sets a statement returns to its caller (top-level SELECTs and OUTPUT
    /// clauses, in order), as bound with the given parameters.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<SqlType>> ResultSets(TSqlFragment script, IReadOnlyDictionary<string, string?> parameters)
    {
        var types = parameters.ToDictionary(p => p.Key, p => SqlType.FromClr(p.Value), StringComparer.OrdinalIgnoreCase);
        var context = new Context(this, types, checkParameters: false);
        foreach (var batch in script is TSqlScript s ? s.Batches.Select(b => (IEnumerable<TSqlStatement>)b.Statements) : [Statements(script)])
        {
            context.DeclaredVariables.Clear();
            foreach (var statement in batch)
            {
                context.Statement(statement);
            }
        }

        return context.ResultSets;
    }

    /// <summary>
    /// Checks the columns the C# code reads from a statement's results (<c>reader.GetInt64(5)</c>) against the types the
    /// statement returns: SqlClient's typed getters do not convert (GetInt64 on an INT column throws).
    /// </summary>
    public IReadOnlyList<BindError> CheckReads(TSqlFragment script, IReadOnlyDictionary<string, string?> parameters, IEnumerable<(int Ordinal, string Getter, string Location)> reads)
    {
        var errors = new List<BindError>();
        var sets = ResultSets(script, parameters);
        var readList = reads.ToList();
        if (readList.Count == 0)
        {
            return errors;
        }

        if (sets.Count == 0)
        {
            errors.Add(new BindError(BindErrorKind.ResultColumn, $"The code reads columns ({readList[0].Location}) but the statement returns no result set."));
            return errors;
        }

        foreach (var (ordinal, getter, location) in readList.Distinct())
        {
            foreach (var set in sets)
            {
                if (ordinal >= set.Count)
                {
                    errors.Add(new BindError(BindErrorKind.ResultColumn, $"{getter}({ordinal}) at {location}: the result set has only {set.Count} columns."));
                    continue;
                }

                var column = set[ordinal];
                if (column.Kind != SqlTypeKind.Unknown && !Reads(getter, column))
                {
                    errors.Add(new BindError(BindErrorKind.ResultColumn, $"{getter}({ordinal}) at {location} reads a {column} column: SqlClient throws InvalidCastException."));
                }
            }
        }

        return errors;
    }

    // What each typed getter of SqlDataReader accepts without an InvalidCastException.
    private static bool Reads(string getter, SqlType column) => getter switch
    {
        "GetString" or "GetChars" => column.Kind == SqlTypeKind.Text,
        "GetInt64" => column is { Kind: SqlTypeKind.Integer, IntegerBytes: 8 },
        "GetInt32" => column is { Kind: SqlTypeKind.Integer, IntegerBytes: 4 },
        "GetInt16" => column is { Kind: SqlTypeKind.Integer, IntegerBytes: 2 },
        "GetByte" => column is { Kind: SqlTypeKind.Integer, IntegerBytes: 1 },
        "GetBoolean" => column.Kind == SqlTypeKind.Bit,
        "GetDateTime" => column.Kind is SqlTypeKind.DateTime or SqlTypeKind.Date,
        "GetDecimal" or "GetDouble" or "GetFloat" => column.Kind == SqlTypeKind.Decimal,
        "Bytes" or "GetBytes" => column.Kind == SqlTypeKind.Binary,
        _ => true,
    };

    private static SqlType First(IReadOnlyList<SqlType> args) => args.Count > 0 ? args[0] : SqlType.Unknown;

    private static IEnumerable<TSqlStatement> Statements(TSqlFragment script) => script switch
    {
        TSqlScript s => s.Batches.SelectMany(b => b.Statements),
        TSqlBatch b => b.Statements,
        TSqlStatement st => [st],
        _ => [],
    };

    private static IEnumerable<TSqlStatement> Flatten(TSqlStatement statement) => statement switch
    {
        IfStatement i => [.. Flatten(i.ThenStatement), .. i.ElseStatement is null ? [] : Flatten(i.ElseStatement)],
        BeginEndBlockStatement b => b.StatementList.Statements.SelectMany(Flatten),
        _ => [statement],
    };

    private static string SchemaOf(SchemaObjectName name) => name.SchemaIdentifier?.Value ?? DefaultSchema;

    private void LearnTable(CreateTableStatement table)
    {
        var primaryKey = table.Definition.TableConstraints.OfType<UniqueConstraintDefinition>().Where(u => u.IsPrimaryKey)
            .SelectMany(u => u.Columns.Select(c => c.Column.MultiPartIdentifier.Identifiers[^1].Value)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var columns = table.Definition.ColumnDefinitions.Select(c =>
        {
            var nullable = c.Constraints.OfType<NullableConstraintDefinition>().FirstOrDefault()?.Nullable ?? true;
            var inlinePrimaryKey = c.Constraints.OfType<UniqueConstraintDefinition>().Any(u => u.IsPrimaryKey);
            if (primaryKey.Contains(c.ColumnIdentifier.Value) || inlinePrimaryKey)
            {
                nullable = false;
            }

            var type = c.DataType is null ? SqlType.Unknown : SqlType.From(c.DataType);
            return new SqlColumn(c.ColumnIdentifier.Value, type, nullable, c.DefaultConstraint is not null || c.IdentityOptions is not null || c.ComputedColumnExpression is not null);
        });
        _relations[(SchemaOf(table.SchemaObjectName), table.SchemaObjectName.BaseIdentifier.Value)] =
            new SqlRelation(SchemaOf(table.SchemaObjectName), table.SchemaObjectName.BaseIdentifier.Value, isView: false, columns);
    }

    /// <summary>Learns the columns an <c>ALTER TABLE … ADD</c> appends to a table the scripts created before (a later migration).</summary>
    private void LearnAddedColumns(AlterTableAddTableElementStatement alter)
    {
        var key = (SchemaOf(alter.SchemaObjectName), alter.SchemaObjectName.BaseIdentifier.Value);
        if (!_relations.TryGetValue(key, out var relation))
        {
            return; // Bind reports the unknown table.
        }

        var added = alter.Definition.ColumnDefinitions.Select(c => new SqlColumn(
            c.ColumnIdentifier.Value,
            c.DataType is null ? SqlType.Unknown : SqlType.From(c.DataType),
            c.Constraints.OfType<NullableConstraintDefinition>().FirstOrDefault()?.Nullable ?? true,
            c.DefaultConstraint is not null));
        _relations[key] = new SqlRelation(relation.Schema, relation.Name, relation.IsView, relation.Columns.Concat(added));
    }

    private SqlRelation? Resolve(SchemaObjectName name, List<BindError> errors)
    {
        var schema = SchemaOf(name);
        var table = name.BaseIdentifier.Value;
        if (_relations.TryGetValue((schema, table), out var relation))
        {
            return relation;
        }

        var elsewhere = _relations.Where(r => r.Key.Name.Equals(table, StringComparison.OrdinalIgnoreCase)).Select(r => "[" + r.Key.Schema + "]").ToList();
        errors.Add(elsewhere.Count > 0
            ? new BindError(BindErrorKind.WrongSchema, $"Invalid object name '[{schema}].[{table}]': it exists only in schema {string.Join(", ", elsewhere)}.")
            : new BindError(BindErrorKind.UnknownObject, $"Invalid object name '[{schema}].[{table}]'."));
        return null;
    }

    /// <summary>A table, view or derived table visible under one exposed name.</summary>
    private sealed record Source(string ExposedName, SqlRelation Relation, string? Schema);

    /// <summary>The names visible at one point: the sources of a FROM clause, the outer query's, and OUTPUT's pseudo tables.</summary>
    private sealed class Scope(Scope? parent)
    {
        public Scope? Parent { get; } = parent;

        public List<Source> Sources { get; } = [];

        public SqlRelation? Inserted { get; init; }

        public SqlRelation? Deleted { get; init; }

        // SELECT aliases: visible in ORDER BY only; elsewhere a use is reported as such.
        public Dictionary<string, SqlType> OrderByAliases { get; init; } = new(StringComparer.OrdinalIgnoreCase);

        public HashSet<string> ForbiddenAliases { get; init; } = new(StringComparer.OrdinalIgnoreCase);

        public bool IsOutputClause { get; init; }
    }

    private sealed class Context(TSqlBinder binder, Dictionary<string, SqlType> parameters, bool checkParameters)
    {
        public List<BindError> Errors { get; } = [];

        public Dictionary<string, SqlType> DeclaredVariables { get; } = new(StringComparer.OrdinalIgnoreCase);

        public HashSet<string> UsedParameters { get; } = new(StringComparer.OrdinalIgnoreCase);

        public List<List<SqlType>> ResultSets { get; } = [];

        private readonly HashSet<string> _reported = new(StringComparer.OrdinalIgnoreCase);

        private void Error(BindErrorKind kind, string message) => Errors.Add(new BindError(kind, message));

        public void Statement(TSqlStatement statement)
        {
            switch (statement)
            {
                case SelectStatement select:
                    ResultSets.Add([.. Query(select.QueryExpression, null).Select(c => c.Type)]);
                    break;
                case InsertStatement insert:
                    Insert(insert.InsertSpecification);
                    break;
                case UpdateStatement update:
                    Update(update.UpdateSpecification);
                    break;
                case DeleteStatement delete:
                    Delete(delete.DeleteSpecification);
                    break;
                case IfStatement @if:
                    Boolean(@if.Predicate, new Scope(null));
                    Statement(@if.ThenStatement);
                    if (@if.ElseStatement is not null)
                    {
                        Statement(@if.ElseStatement);
                    }

                    break;
                case BeginEndBlockStatement block:
                    foreach (var inner in block.StatementList.Statements)
                    {
                        Statement(inner);
                    }

                    break;
                case DeclareVariableStatement declare:
                    foreach (var element in declare.Declarations)
                    {
                        if (element.Value is not null)
                        {
                            Scalar(element.Value, new Scope(null));
                        }

                        DeclaredVariables[element.VariableName.Value] = element.DataType is null ? SqlType.Unknown : SqlType.From(element.DataType);
                    }

                    break;
                case SetVariableStatement set:
                    Variable(set.Variable.Name);
                    Scalar(set.Expression, new Scope(null));
                    break;
                case ExecuteStatement execute:
                    Execute(execute.ExecuteSpecification);
                    break;
                case ThrowStatement @throw:
                    foreach (var expression in new[] { @throw.ErrorNumber, @throw.Message, @throw.State }.OfType<ScalarExpression>())
                    {
                        Scalar(expression, new Scope(null));
                    }

                    break;
                case CreateTableStatement table:
                    CreateTable(table);
                    break;
                case AlterTableAddTableElementStatement alter:
                    // The table must exist; its added columns were learned with the script (Learn).
                    binder.Resolve(alter.SchemaObjectName, Errors);
                    break;
                case CreateIndexStatement index:
                    CreateIndex(index);
                    break;
                case ViewStatementBody view:
                    Query(view.SelectStatement.QueryExpression, null);
                    break;
                case CreateSchemaStatement or SetOnOffStatement or BeginTransactionStatement or CommitTransactionStatement or RollbackTransactionStatement or PredicateSetStatement:
                    break;
                default:
                    Error(BindErrorKind.Unsupported, $"Statement kind {statement.GetType().Name} is not modelled by the binder.");
                    break;
            }
        }

        public List<SqlColumn> Query(QueryExpression query, Scope? parent)
        {
            switch (query)
            {
                case QuerySpecification spec:
                    return QuerySpec(spec, parent);
                case QueryParenthesisExpression parenthesis:
                    return Query(parenthesis.QueryExpression, parent);
                case BinaryQueryExpression binary:
                    var first = Query(binary.FirstQueryExpression, parent);
                    var second = Query(binary.SecondQueryExpression, parent);
                    if (first.Count != second.Count)
                    {
                        Error(BindErrorKind.InsertCountMismatch, $"The queries of a {binary.BinaryQueryExpressionType} have {first.Count} and {second.Count} columns.");
                    }

                    return first;
                default:
                    Error(BindErrorKind.Unsupported, $"Query kind {query.GetType().Name} is not modelled by the binder.");
                    return [];
            }
        }

        private List<SqlColumn> QuerySpec(QuerySpecification spec, Scope? parent)
        {
            var aliases = spec.SelectElements.OfType<SelectScalarExpression>().Where(e => e.ColumnName is not null).Select(e => e.ColumnName.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var scope = new Scope(parent) { ForbiddenAliases = aliases };
            if (spec.FromClause is not null)
            {
                foreach (var reference in spec.FromClause.TableReferences)
                {
                    TableReference(reference, scope);
                }
            }

            if (spec.TopRowFilter is not null)
            {
                Scalar(spec.TopRowFilter.Expression, scope);
            }

            var output = new List<SqlColumn>();
            foreach (var element in spec.SelectElements)
            {
                switch (element)
                {
                    case SelectScalarExpression scalar:
                        var type = Scalar(scalar.Expression, scope);
                        var name = scalar.ColumnName?.Value ?? (scalar.Expression is ColumnReferenceExpression c ? c.MultiPartIdentifier.Identifiers[^1].Value : "");
                        output.Add(new SqlColumn(name, type, Nullable: true, HasDefault: false));
                        break;
                    case SelectStarExpression star:
                        var qualifier = star.Qualifier?.Identifiers[^1].Value;
                        var sources = scope.Sources.Where(s => qualifier is null || s.ExposedName.Equals(qualifier, StringComparison.OrdinalIgnoreCase)).ToList();
                        if (sources.Count == 0)
                        {
                            Error(BindErrorKind.UnknownQualifier, $"'{qualifier}.*' names no table of the query.");
                        }

                        output.AddRange(sources.SelectMany(s => s.Relation.Columns));
                        break;
                    default:
                        Error(BindErrorKind.Unsupported, $"Select element kind {element.GetType().Name} is not modelled by the binder.");
                        break;
                }
            }

            if (spec.WhereClause is not null)
            {
                Where(spec.WhereClause, scope);
            }

            if (spec.GroupByClause is not null)
            {
                foreach (var grouping in spec.GroupByClause.GroupingSpecifications)
                {
                    if (grouping is ExpressionGroupingSpecification expression)
                    {
                        Scalar(expression.Expression, scope);
                    }
                    else
                    {
                        Error(BindErrorKind.Unsupported, $"Grouping kind {grouping.GetType().Name} is not modelled by the binder.");
                    }
                }
            }

            if (spec.HavingClause is not null)
            {
                Boolean(spec.HavingClause.SearchCondition, scope);
            }

            if (spec.OrderByClause is not null)
            {
                var orderScope = new Scope(parent) { OrderByAliases = output.Where(o => aliases.Contains(o.Name)).ToDictionary(o => o.Name, o => o.Type, StringComparer.OrdinalIgnoreCase) };
                orderScope.Sources.AddRange(scope.Sources);
                foreach (var order in spec.OrderByClause.OrderByElements)
                {
                    Scalar(order.Expression, orderScope);
                }
            }

            return output;
        }

        private void Where(WhereClause where, Scope scope)
        {
            if (where.SearchCondition is null)
            {
                Error(BindErrorKind.Unsupported, "WHERE CURRENT OF is not modelled by the binder.");
                return;
            }

            Boolean(where.SearchCondition, scope);
        }

        private void TableReference(TableReference reference, Scope scope)
        {
            switch (reference)
            {
                case NamedTableReference named:
                    if (binder.Resolve(named.SchemaObject, Errors) is { } relation)
                    {
                        AddSource(scope, new Source(named.Alias?.Value ?? relation.Name, relation, named.Alias is null ? relation.Schema : null));
                    }

                    break;
                case QualifiedJoin join:
                    TableReference(join.FirstTableReference, scope);
                    TableReference(join.SecondTableReference, scope);
                    Boolean(join.SearchCondition, scope);
                    break;
                case UnqualifiedJoin join:
                    TableReference(join.FirstTableReference, scope);
                    TableReference(join.SecondTableReference, scope);
                    break;
                case JoinParenthesisTableReference parenthesis:
                    TableReference(parenthesis.Join, scope);
                    break;
                case QueryDerivedTable derived:
                    var columns = Query(derived.QueryExpression, scope.Parent);
                    if (derived.Alias is null)
                    {
                        Error(BindErrorKind.Unsupported, "A derived table needs an alias.");
                        break;
                    }

                    if (columns.Any(c => c.Name.Length == 0))
                    {
                        Error(BindErrorKind.UnknownColumn, $"No column name was specified for a column of derived table '{derived.Alias.Value}'.");
                    }

                    AddSource(scope, new Source(derived.Alias.Value, new SqlRelation(null, derived.Alias.Value, isView: false, columns), null));
                    break;
                default:
                    Error(BindErrorKind.Unsupported, $"Table reference kind {reference.GetType().Name} is not modelled by the binder.");
                    break;
            }
        }

        private void AddSource(Scope scope, Source source)
        {
            if (scope.Sources.Any(s => s.ExposedName.Equals(source.ExposedName, StringComparison.OrdinalIgnoreCase)))
            {
                Error(BindErrorKind.AmbiguousColumn, $"The correlation name '{source.ExposedName}' is specified multiple times in one FROM clause.");
            }

            scope.Sources.Add(source);
        }

        private void Insert(InsertSpecification spec)
        {
            if (spec.Target is not NamedTableReference target)
            {
                Error(BindErrorKind.Unsupported, $"INSERT target kind {spec.Target.GetType().Name} is not modelled by the binder.");
                return;
            }

            var relation = binder.Resolve(target.SchemaObject, Errors);
            if (relation is null)
            {
                return;
            }

            var columns = new List<SqlColumn?>();
            foreach (var column in spec.Columns)
            {
                var name = column.MultiPartIdentifier.Identifiers[^1].Value;
                var found = relation.Find(name);
                if (found is null)
                {
                    Error(BindErrorKind.UnknownColumn, $"Invalid column name '{name}' in the INSERT column list of {relation.DisplayName}.");
                }

                columns.Add(found);
            }

            if (spec.Columns.Count == 0)
            {
                columns.AddRange(relation.Columns.Where(c => !c.HasDefault || c.Nullable));
            }

            var listed = columns.OfType<SqlColumn>().Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var missing in relation.Columns.Where(c => !c.Nullable && !c.HasDefault && !listed.Contains(c.Name)))
            {
                Error(BindErrorKind.NotNullViolation, $"Cannot insert the value NULL into column '{missing.Name}' of {relation.DisplayName}: it is NOT NULL without a default and the INSERT leaves it out.");
            }

            switch (spec.InsertSource)
            {
                case ValuesInsertSource values:
                    foreach (var row in values.RowValues)
                    {
                        if (row.ColumnValues.Count != columns.Count)
                        {
                            Error(BindErrorKind.InsertCountMismatch, $"The INSERT into {relation.DisplayName} lists {columns.Count} columns but supplies {row.ColumnValues.Count} values.");
                        }

                        for (var i = 0; i < row.ColumnValues.Count; i++)
                        {
                            var type = Scalar(row.ColumnValues[i], new Scope(null));
                            if (i < columns.Count && columns[i] is { } column)
                            {
                                Store(row.ColumnValues[i], type, column, relation);
                            }
                        }
                    }

                    break;
                case SelectInsertSource select:
                    var output = Query(select.Select, null);
                    if (output.Count != columns.Count)
                    {
                        Error(BindErrorKind.InsertCountMismatch, $"The INSERT into {relation.DisplayName} lists {columns.Count} columns but its SELECT supplies {output.Count}.");
                    }

                    var elements = select.Select is QuerySpecification q ? q.SelectElements : null;
                    for (var i = 0; i < Math.Min(output.Count, columns.Count); i++)
                    {
                        if (columns[i] is { } column)
                        {
                            var expression = elements is not null && i < elements.Count && elements[i] is SelectScalarExpression e ? e.Expression : null;
                            Store(expression, output[i].Type, column, relation);
                        }
                    }

                    break;
                default:
                    Error(BindErrorKind.Unsupported, $"INSERT source kind {spec.InsertSource.GetType().Name} is not modelled by the binder.");
                    break;
            }

            if (spec.OutputClause is not null)
            {
                Output(spec.OutputClause, new Scope(null) { Inserted = relation, IsOutputClause = true });
            }

            if (spec.OutputIntoClause is not null)
            {
                Error(BindErrorKind.Unsupported, "OUTPUT INTO is not modelled by the binder.");
            }
        }

        private void Update(UpdateSpecification spec)
        {
            var (relation, scope) = DmlTarget(spec.Target, spec.FromClause);
            if (relation is null)
            {
                return;
            }

            foreach (var clause in spec.SetClauses)
            {
                if (clause is not AssignmentSetClause assignment || assignment.Column is null)
                {
                    Error(BindErrorKind.Unsupported, $"SET clause kind {clause.GetType().Name} is not modelled by the binder.");
                    continue;
                }

                var name = assignment.Column.MultiPartIdentifier.Identifiers[^1].Value;
                var type = Scalar(assignment.NewValue, scope);
                if (relation.Find(name) is not { } column)
                {
                    Error(BindErrorKind.UnknownColumn, $"Invalid column name '{name}' in the SET clause of {relation.DisplayName}.");
                    continue;
                }

                Store(assignment.NewValue, type, column, relation);
            }

            if (spec.WhereClause is not null)
            {
                Where(spec.WhereClause, scope);
            }

            if (spec.TopRowFilter is not null)
            {
                Scalar(spec.TopRowFilter.Expression, scope);
            }

            if (spec.OutputClause is not null)
            {
                Output(spec.OutputClause, new Scope(scope) { Inserted = relation, Deleted = relation, IsOutputClause = true });
            }

            if (spec.OutputIntoClause is not null)
            {
                Error(BindErrorKind.Unsupported, "OUTPUT INTO is not modelled by the binder.");
            }
        }

        private void Delete(DeleteSpecification spec)
        {
            var (relation, scope) = DmlTarget(spec.Target, spec.FromClause);
            if (relation is null)
            {
                return;
            }

            if (spec.WhereClause is not null)
            {
                Where(spec.WhereClause, scope);
            }

            if (spec.TopRowFilter is not null)
            {
                Scalar(spec.TopRowFilter.Expression, scope);
            }

            if (spec.OutputClause is not null)
            {
                Output(spec.OutputClause, new Scope(scope) { Deleted = relation, IsOutputClause = true });
            }

            if (spec.OutputIntoClause is not null)
            {
                Error(BindErrorKind.Unsupported, "OUTPUT INTO is not modelled by the binder.");
            }
        }

        private (SqlRelation? Relation, Scope Scope) DmlTarget(TableReference target, FromClause? from)
        {
            var scope = new Scope(null);
            if (target is not NamedTableReference named)
            {
                Error(BindErrorKind.Unsupported, $"DML target kind {target.GetType().Name} is not modelled by the binder.");
                return (null, scope);
            }

            if (from is not null)
            {
                foreach (var reference in from.TableReferences)
                {
                    TableReference(reference, scope);
                }

                // UPDATE t ... FROM [x] AS t: the target is an alias of the FROM clause.
                if (named.SchemaObject.SchemaIdentifier is null && scope.Sources.FirstOrDefault(s => s.ExposedName.Equals(named.SchemaObject.BaseIdentifier.Value, StringComparison.OrdinalIgnoreCase)) is { } aliased)
                {
                    return (aliased.Relation, scope);
                }
            }

            var relation = binder.Resolve(named.SchemaObject, Errors);
            if (relation is not null && from is null)
            {
                scope.Sources.Add(new Source(named.Alias?.Value ?? relation.Name, relation, named.Alias is null ? relation.Schema : null));
            }

            return (relation, scope);
        }

        private void Output(OutputClause output, Scope scope)
        {
            var resultSet = new List<SqlType>();
            ResultSets.Add(resultSet);
            foreach (var element in output.SelectColumns)
            {
                if (element is SelectScalarExpression scalar)
                {
                    resultSet.Add(Scalar(scalar.Expression, scope));
                }
                else
                {
                    Error(BindErrorKind.Unsupported, $"OUTPUT element kind {element.GetType().Name} is not modelled by the binder.");
                }
            }
        }

        // A value stored into a column (SET, INSERT): its type must convert, an integer must fit, NULL needs a NULL-able column.
        private void Store(ScalarExpression? expression, SqlType type, SqlColumn column, SqlRelation relation)
        {
            if (Strip(expression) is NullLiteral && !column.Nullable)
            {
                Error(BindErrorKind.NotNullViolation, $"Cannot store NULL into column '{column.Name}' of {relation.DisplayName}: it is NOT NULL.");
                return;
            }

            if (!SqlType.Compatible(type, column.Type))
            {
                Error(BindErrorKind.TypeMismatch, $"Operand type clash: {Describe(expression)} of type {type} is stored into column '{column.Name}' ({column.Type}) of {relation.DisplayName}.");
            }
            else if (type.Kind == SqlTypeKind.Integer && column.Type.Kind == SqlTypeKind.Integer && type.IntegerBytes > column.Type.IntegerBytes && Strip(expression) is VariableReference)
            {
                Error(BindErrorKind.TypeMismatch, $"Arithmetic overflow risk: {Describe(expression)} is bound as {type} but column '{column.Name}' of {relation.DisplayName} is {column.Type}.");
            }
        }

        private void Execute(ExecuteSpecification spec)
        {
            if (spec.Variable is not null)
            {
                Variable(spec.Variable.Name);
            }

            switch (spec.ExecutableEntity)
            {
                case ExecutableStringList strings:
                    // EXEC (N'...'): dynamic SQL from literals only (CREATE SCHEMA must be alone in its batch).
                    if (strings.Strings.Any(s => s is not StringLiteral))
                    {
                        Error(BindErrorKind.Unsupported, "EXEC of a string built from variables is not modelled by the binder.");
                    }

                    break;
                case ExecutableProcedureReference procedure when procedure.ProcedureReference?.ProcedureReference?.Name is { } name:
                    var fullName = (name.SchemaIdentifier?.Value ?? DefaultSchema) + "." + name.BaseIdentifier.Value;
                    if (!Procedures.TryGetValue(fullName, out var signature))
                    {
                        Error(BindErrorKind.UnknownFunction, $"Could not find stored procedure '{fullName}'.");
                        signature = [];
                    }

                    foreach (var parameter in procedure.Parameters)
                    {
                        var type = Scalar(parameter.ParameterValue, new Scope(null));
                        if (parameter.Variable is null)
                        {
                            Error(BindErrorKind.Unsupported, $"Positional arguments to '{fullName}' are not modelled by the binder; name them.");
                        }
                        else if (!signature.TryGetValue(parameter.Variable.Name, out var expected))
                        {
                            Error(BindErrorKind.UndeclaredParameter, $"'{parameter.Variable.Name}' is not a parameter of procedure '{fullName}'.");
                        }
                        else if (!SqlType.Compatible(type, expected))
                        {
                            Error(BindErrorKind.TypeMismatch, $"Operand type clash: {Describe(parameter.ParameterValue)} of type {type} is passed as {parameter.Variable.Name} ({expected}) of '{fullName}'.");
                        }
                    }

                    break;
                default:
                    Error(BindErrorKind.Unsupported, $"EXEC of {spec.ExecutableEntity.GetType().Name} is not modelled by the binder.");
                    break;
            }
        }

        private void CreateTable(CreateTableStatement table)
        {
            var relation = binder.Resolve(table.SchemaObjectName, Errors);
            if (relation is null)
            {
                return;
            }

            var scope = new Scope(null);
            scope.Sources.Add(new Source(relation.Name, relation, relation.Schema));
            foreach (var constraint in table.Definition.TableConstraints.Concat(table.Definition.ColumnDefinitions.SelectMany(c => c.Constraints)))
            {
                switch (constraint)
                {
                    case UniqueConstraintDefinition unique:
                        foreach (var column in unique.Columns)
                        {
                            Scalar(column.Column, scope);
                        }

                        break;
                    case CheckConstraintDefinition check:
                        Boolean(check.CheckCondition, scope);
                        break;
                }
            }

            foreach (var column in table.Definition.ColumnDefinitions.Where(c => c.DefaultConstraint is not null))
            {
                var type = Scalar(column.DefaultConstraint.Expression, new Scope(null));
                if (relation.Find(column.ColumnIdentifier.Value) is { } target)
                {
                    Store(column.DefaultConstraint.Expression, type, target, relation);
                }
            }
        }

        private void CreateIndex(CreateIndexStatement index)
        {
            var relation = binder.Resolve(index.OnName, Errors);
            if (relation is null)
            {
                return;
            }

            var scope = new Scope(null);
            scope.Sources.Add(new Source(relation.Name, relation, relation.Schema));
            foreach (var column in index.Columns.Select(c => c.Column).Concat(index.IncludeColumns))
            {
                Scalar(column, scope);
            }

            if (index.FilterPredicate is not null)
            {
                Boolean(index.FilterPredicate, scope);
            }
        }

        private void Boolean(BooleanExpression expression, Scope scope)
        {
            switch (expression)
            {
                case BooleanComparisonExpression comparison:
                    Compare(comparison.FirstExpression, comparison.SecondExpression, scope);
                    break;
                case BooleanBinaryExpression binary:
                    Boolean(binary.FirstExpression, scope);
                    Boolean(binary.SecondExpression, scope);
                    break;
                case BooleanNotExpression not:
                    Boolean(not.Expression, scope);
                    break;
                case BooleanParenthesisExpression parenthesis:
                    Boolean(parenthesis.Expression, scope);
                    break;
                case BooleanIsNullExpression isNull:
                    Scalar(isNull.Expression, scope);
                    break;
                case BooleanTernaryExpression ternary:
                    Compare(ternary.FirstExpression, ternary.SecondExpression, scope);
                    Compare(ternary.FirstExpression, ternary.ThirdExpression, scope);
                    break;
                case ExistsPredicate exists:
                    Query(exists.Subquery.QueryExpression, scope);
                    break;
                case InPredicate @in:
                    var left = Scalar(@in.Expression, scope);
                    if (@in.Subquery is not null)
                    {
                        var columns = Query(@in.Subquery.QueryExpression, scope);
                        if (columns.Count == 1)
                        {
                            Check(left, columns[0].Type, @in.Expression, @in.Subquery);
                        }
                    }

                    foreach (var value in @in.Values)
                    {
                        Check(left, Scalar(value, scope), @in.Expression, value);
                    }

                    break;
                case LikePredicate like:
                    Compare(like.FirstExpression, like.SecondExpression, scope);
                    break;
                default:
                    Error(BindErrorKind.Unsupported, $"Predicate kind {expression.GetType().Name} is not modelled by the binder.");
                    break;
            }
        }

        private SqlType Compare(ScalarExpression first, ScalarExpression second, Scope scope)
        {
            var a = Scalar(first, scope);
            var b = Scalar(second, scope);
            Check(a, b, first, second);
            return a.Kind == SqlTypeKind.Unknown ? b : a;
        }

        private void Check(SqlType a, SqlType b, TSqlFragment first, TSqlFragment second)
        {
            if (!SqlType.Compatible(a, b))
            {
                Error(BindErrorKind.TypeMismatch, $"Operand type clash: {Describe(first)} ({a}) and {Describe(second)} ({b}) do not convert.");
            }
        }

        public SqlType Scalar(ScalarExpression expression, Scope scope)
        {
            switch (expression)
            {
                case ColumnReferenceExpression column:
                    return Column(column, scope);
                case VariableReference variable:
                    return Variable(variable.Name);
                case GlobalVariableExpression:
                    return new SqlType(SqlTypeKind.Integer, 4, "INT");
                case IntegerLiteral:
                    return new SqlType(SqlTypeKind.Integer, 4, "INT");
                case NumericLiteral or RealLiteral or MoneyLiteral:
                    return new SqlType(SqlTypeKind.Decimal, 0, "NUMERIC");
                case StringLiteral:
                    return new SqlType(SqlTypeKind.Text, 0, "NVARCHAR");
                case BinaryLiteral:
                    return new SqlType(SqlTypeKind.Binary, 0, "VARBINARY");
                case NullLiteral:
                    return SqlType.Unknown;
                case ParenthesisExpression parenthesis:
                    return Scalar(parenthesis.Expression, scope);
                case UnaryExpression unary:
                    return Scalar(unary.Expression, scope);
                case BinaryExpression binary:
                    return Compare(binary.FirstExpression, binary.SecondExpression, scope);
                case CastCall cast:
                    Scalar(cast.Parameter, scope);
                    return SqlType.From(cast.DataType);
                case ConvertCall convert:
                    Scalar(convert.Parameter, scope);
                    return SqlType.From(convert.DataType);
                case CoalesceExpression coalesce:
                    return Results(coalesce.Expressions, scope);
                case NullIfExpression nullIf:
                    return Compare(nullIf.FirstExpression, nullIf.SecondExpression, scope);
                case IIfCall iif:
                    Boolean(iif.Predicate, scope);
                    return Results([iif.ThenExpression, iif.ElseExpression], scope);
                case SearchedCaseExpression searched:
                    foreach (var when in searched.WhenClauses)
                    {
                        Boolean(when.WhenExpression, scope);
                    }

                    return Results([.. searched.WhenClauses.Select(w => w.ThenExpression), .. searched.ElseExpression is null ? [] : new[] { searched.ElseExpression }], scope);
                case SimpleCaseExpression simple:
                    var input = Scalar(simple.InputExpression, scope);
                    foreach (var when in simple.WhenClauses)
                    {
                        Check(input, Scalar(when.WhenExpression, scope), simple.InputExpression, when.WhenExpression);
                    }

                    return Results([.. simple.WhenClauses.Select(w => w.ThenExpression), .. simple.ElseExpression is null ? [] : new[] { simple.ElseExpression }], scope);
                case FunctionCall call:
                    return Function(call, scope);
                case ScalarSubquery subquery:
                    var columns = Query(subquery.QueryExpression, scope);
                    if (columns.Count != 1)
                    {
                        Error(BindErrorKind.InsertCountMismatch, $"A scalar subquery returns {columns.Count} columns.");
                    }

                    return columns.Count == 1 ? columns[0].Type : SqlType.Unknown;
                default:
                    Error(BindErrorKind.Unsupported, $"Expression kind {expression.GetType().Name} ({Describe(expression)}) is not modelled by the binder.");
                    return SqlType.Unknown;
            }
        }

        // The results of CASE, COALESCE, IIF must share a type family; the first typed one is the result.
        private SqlType Results(IList<ScalarExpression> expressions, Scope scope)
        {
            var result = SqlType.Unknown;
            ScalarExpression? first = null;
            foreach (var expression in expressions)
            {
                var type = Scalar(expression, scope);
                if (result.Kind == SqlTypeKind.Unknown)
                {
                    (result, first) = (type, expression);
                }
                else
                {
                    Check(result, type, first!, expression);
                }
            }

            return result;
        }

        private SqlType Function(FunctionCall call, Scope scope)
        {
            var name = call.FunctionName.Value;
            if (call.CallTarget is not null || !Functions.TryGetValue(name, out var result))
            {
                Error(BindErrorKind.UnknownFunction, $"'{(call.CallTarget is null ? "" : "….")}{name}' is not a recognized built-in function name.");
                result = _ => SqlType.Unknown;
            }

            var arguments = new List<SqlType>();
            for (var i = 0; i < call.Parameters.Count; i++)
            {
                if (i == 0 && DatePartFunctions.Contains(name) && call.Parameters[0] is ColumnReferenceExpression or IdentifierLiteral)
                {
                    arguments.Add(SqlType.Unknown); // A date part keyword (DAY, MINUTE), not a column.
                    continue;
                }

                arguments.Add(Scalar(call.Parameters[i], scope));
            }

            if (call.OverClause is not null)
            {
                Error(BindErrorKind.Unsupported, "Window functions (OVER) are not modelled by the binder.");
            }

            return result(arguments);
        }

        private SqlType Variable(string name)
        {
            if (DeclaredVariables.TryGetValue(name, out var declared))
            {
                return declared;
            }

            UsedParameters.Add(name);
            if (parameters.TryGetValue(name, out var bound))
            {
                return bound;
            }

            if (checkParameters && _reported.Add(name))
            {
                Error(BindErrorKind.UndeclaredParameter, $"Must declare the scalar variable \"{name}\": the statement uses it but the C# code does not bind it.");
            }

            return SqlType.Unknown;
        }

        private SqlType Column(ColumnReferenceExpression reference, Scope scope)
        {
            if (reference.ColumnType != ColumnType.Regular || reference.MultiPartIdentifier is null)
            {
                Error(BindErrorKind.Unsupported, $"Column reference kind {reference.ColumnType} is not modelled by the binder.");
                return SqlType.Unknown;
            }

            var ids = reference.MultiPartIdentifier.Identifiers;
            var column = ids[^1].Value;
            if (ids.Count == 1)
            {
                return Unqualified(column, scope);
            }

            var qualifier = ids[^2].Value;
            var schema = ids.Count >= 3 ? ids[^3].Value : null;
            var text = string.Join(".", ids.Select(i => i.Value));
            if (schema is null && (qualifier.Equals("inserted", StringComparison.OrdinalIgnoreCase) || qualifier.Equals("deleted", StringComparison.OrdinalIgnoreCase)))
            {
                return PseudoColumn(qualifier, column, scope, text);
            }

            for (var s = scope; s is not null; s = s.Parent)
            {
                var source = s.Sources.FirstOrDefault(x => x.ExposedName.Equals(qualifier, StringComparison.OrdinalIgnoreCase)
                    && (schema is null || (x.Schema is not null && x.Schema.Equals(schema, StringComparison.OrdinalIgnoreCase))));
                if (source is null)
                {
                    continue;
                }

                if (source.Relation.Find(column) is { } found)
                {
                    return found.Type;
                }

                Error(BindErrorKind.UnknownColumn, $"Invalid column name '{column}' ('{text}'): {source.Relation.DisplayName} has no such column.");
                return SqlType.Unknown;
            }

            Error(BindErrorKind.UnknownQualifier, $"The multi-part identifier '{text}' could not be bound: no table or alias '{qualifier}' in scope.");
            return SqlType.Unknown;
        }

        private SqlType PseudoColumn(string qualifier, string column, Scope scope, string text)
        {
            var inserted = qualifier.Equals("inserted", StringComparison.OrdinalIgnoreCase);
            for (var s = scope; s is not null; s = s.Parent)
            {
                if (!s.IsOutputClause)
                {
                    continue;
                }

                var relation = inserted ? s.Inserted : s.Deleted;
                if (relation is null)
                {
                    Error(BindErrorKind.PseudoTableColumn, $"'{text}': the '{qualifier}' pseudo table does not exist in this statement's OUTPUT clause.");
                    return SqlType.Unknown;
                }

                if (relation.Find(column) is { } found)
                {
                    return found.Type;
                }

                Error(BindErrorKind.PseudoTableColumn, $"Invalid column name '{column}' ('{text}'): the statement's target {relation.DisplayName} has no such column.");
                return SqlType.Unknown;
            }

            Error(BindErrorKind.PseudoTableColumn, $"'{text}': '{qualifier}' is only in scope in the OUTPUT clause of a DML statement (or a trigger).");
            return SqlType.Unknown;
        }

        private SqlType Unqualified(string column, Scope scope)
        {
            for (var s = scope; s is not null; s = s.Parent)
            {
                var matches = s.Sources.Where(x => x.Relation.Find(column) is not null).ToList();
                if (matches.Count > 1)
                {
                    Error(BindErrorKind.AmbiguousColumn, $"Ambiguous column name '{column}': it is in {string.Join(" and ", matches.Select(m => m.ExposedName))}.");
                    return SqlType.Unknown;
                }

                if (matches.Count == 1)
                {
                    return matches[0].Relation.Find(column)!.Type;
                }

                if (s.OrderByAliases.TryGetValue(column, out var alias))
                {
                    return alias;
                }
            }

            if (scope.ForbiddenAliases.Contains(column))
            {
                Error(BindErrorKind.SelectAliasAsColumn, $"Invalid column name '{column}': it is a SELECT alias, which is not in scope outside ORDER BY (use the expression or a derived table).");
            }
            else
            {
                var tables = Enumerable.Empty<Source>();
                for (var s = scope; s is not null; s = s.Parent)
                {
                    tables = tables.Concat(s.Sources);
                }

                Error(BindErrorKind.UnknownColumn, $"Invalid column name '{column}': not a column of {string.Join(", ", tables.Select(t => t.Relation.DisplayName).DefaultIfEmpty("(no table in scope)"))}.");
            }

            return SqlType.Unknown;
        }

        private static ScalarExpression? Strip(ScalarExpression? expression) => expression is ParenthesisExpression p ? Strip(p.Expression) : expression;

        private static string Describe(TSqlFragment? fragment)
        {
            if (fragment is null)
            {
                return "the value";
            }

            var text = string.Concat(Enumerable.Range(fragment.FirstTokenIndex, fragment.LastTokenIndex - fragment.FirstTokenIndex + 1).Select(i => fragment.ScriptTokenStream[i].Text));
            return "'" + (text.Length > 60 ? text[..60] + "…" : text) + "'";
        }
    }

    private sealed class VariableCollector : TSqlFragmentVisitor
    {
        public HashSet<string> Used { get; } = new(StringComparer.OrdinalIgnoreCase);

        public HashSet<string> Declared { get; } = new(StringComparer.OrdinalIgnoreCase);

        public override void Visit(VariableReference node) => Used.Add(node.Name);

        public override void Visit(DeclareVariableElement node) => Declared.Add(node.VariableName.Value);

        // EXEC proc @Name = @value: @Name is the procedure's parameter, not a variable of the batch.
        public override void ExplicitVisit(ExecuteParameter node) => node.ParameterValue?.Accept(this);
    }

    private sealed class KeyComparer : IEqualityComparer<(string Schema, string Name)>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals((string Schema, string Name) x, (string Schema, string Name) y) =>
            StringComparer.OrdinalIgnoreCase.Equals(x.Schema, y.Schema) && StringComparer.OrdinalIgnoreCase.Equals(x.Name, y.Name);

        public int GetHashCode((string Schema, string Name) obj) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Schema), StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Name));
    }
}
