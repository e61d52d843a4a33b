using System.Collections.Concurrent;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace InvoiceOcr.Sdk.SqlServer.Tests.Schema;

/// <summary>Where the C# code creates a command for one or more SQL constants, and the parameters it binds to it.</summary>
/// <param name="Statements">The SQL texts (as written in the code, before the schema token is replaced) the command's text may be.</param>
/// <param name="Parameters">Each parameter name (with <c>@</c>) and the full name of its value's .NET type (null when not known).</param>
/// <param name="Location">The file and line of the command's creation.</param>
public sealed record SqlBindingSite(IReadOnlySet<string> Statements, IReadOnlyDictionary<string, string?> Parameters, string Location)
{
    /// <summary>Gets the result columns the code reads: the ordinal, the getter (<c>GetInt64</c>; <c>Bytes</c> for a <c>(byte[])reader[i]</c> cast) and where.</summary>
    public IReadOnlyList<(int Ordinal, string Getter, string Location)> Reads { get; init; } = [];
}

/// <summary>
/// Finds, with Roslyn, every place the SQL Server package's code (and every project it references, so the shared
/// relational code too) creates a command, which SQL constant its text comes from, and which parameters it binds.
/// </summary>
/// <remarks>
/// What it relies on, so it keeps working as the store code moves between projects:
/// <list type="bullet">
/// <item>The sources are every <c>.cs</c> file of <c>src/InvoiceOcr.Sdk.SqlServer</c> and of the projects it references
/// (transitively, read from the <c>.csproj</c> files), compiled together with the test's own references.</item>
/// <item>A command is any expression whose type derives from <c>System.Data.Common.DbCommand</c>: a constructor call
/// or a method or delegate call taking the SQL text as a <c>string</c> argument; or a command whose <c>CommandText</c>
/// is assigned (<c>connection.CreateCommand()</c>, an object initializer). A method that takes the SQL as a parameter
/// and returns a command is a factory: its callers are the sites.</item>
/// <item>The SQL text is traced back to a constant (matched by its text) through locals, fields, method parameters (every call site),
/// record and init properties (every construction or assignment, or the same-named constant of a class passed to a
/// statement table's <c>FromConstants(typeof(…))</c>), property bodies and overrides of abstract properties, and <c>string M(string)</c> helpers such as the schema-token replacement.</item>
/// <item>A parameter is bound by a tuple argument <c>("@name", value)</c> of the creating call, by
/// <c>command.Parameters.Add("@name", …)</c>/<c>AddWithValue</c>, or by a call taking the command, one constant name
/// and a value (<c>dialect.Add(command, "name", value)</c>; a name without <c>@</c> gets it). A call that takes the
/// command otherwise is followed into its body (<c>BindUsage(dialect, command, record)</c>).</item>
/// <item>The value's type is its static type; an <c>object</c> returned by a one-argument conversion (the dialect's
/// <c>Time</c>, <c>SmallInteger</c>, …) takes the type of the override's expression body, and an <c>object</c>
/// parameter the type its callers pass.</item>
/// </list>
/// A statement with parameters and no site found fails the proof: the analysis fails closed when the code changes shape.
/// </remarks>
public sealed class SqlBindingSites
{
    private const int MaxDepth = 10;

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Preview);

    private readonly CSharpCompilation _compilation;
    private readonly IReadOnlySet<string> _statementTexts;
    private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new();
    private readonly List<(SyntaxNode Node, SemanticModel Model)> _allNodes = [];
    private Dictionary<IMethodSymbol, List<(SyntaxNode Node, SemanticModel Model)>>? _callsByTarget;

    private SqlBindingSites(CSharpCompilation compilation, IReadOnlySet<string> statementTexts)
    {
        _compilation = compilation;
        _statementTexts = statementTexts;
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = Model(tree);
            _allNodes.AddRange(tree.GetRoot().DescendantNodes()
                .Where(n => n is InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax or ConstructorInitializerSyntax or PrimaryConstructorBaseTypeSyntax
                    or AssignmentExpressionSyntax or PropertyDeclarationSyntax or MethodDeclarationSyntax)
                .Select(n => (n, model)));
        }
    }

    /// <summary>Gets the source files analysed.</summary>
    public IReadOnlyList<string> Files => [.. _compilation.SyntaxTrees.Select(t => t.FilePath).Where(p => p.Length > 0)];

    /// <summary>Finds the repository root (the folder holding <c>InvoiceOcr.Sdk.sln</c>) above the test's folder.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "InvoiceOcr.Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (InvoiceOcr.Sdk.sln) was not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Compiles the SQL Server project and everything it references, then finds every binding site.</summary>
    /// <param name="statementTexts">The SQL texts to trace, as the compiled code holds them.</param>
    public static (SqlBindingSites Analysis, IReadOnlyList<SqlBindingSite> Sites) Analyze(IReadOnlySet<string> statementTexts)
    {
        var root = RepositoryRoot();
        var projects = ProjectClosure(Path.Combine(root, "src", "InvoiceOcr.Sdk.SqlServer", "InvoiceOcr.Sdk.SqlServer.csproj"));
        var files = projects
            .SelectMany(project => Directory.EnumerateFiles(Path.GetDirectoryName(project)!, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(f => (f, File.ReadAllText(f)));
        return Analyze(files, statementTexts);
    }

    /// <summary>Finds every binding site in the given C# sources (the SDK's implicit usings apply).</summary>
    /// <param name="sources">Each file's path and text.</param>
    /// <param name="statementTexts">The SQL texts to trace, as the compiled code holds them.</param>
    public static (SqlBindingSites Analysis, IReadOnlyList<SqlBindingSite> Sites) Analyze(IEnumerable<(string Path, string Text)> sources, IReadOnlySet<string> statementTexts)
    {
        var trees = new List<SyntaxTree>
        {
            // The SDK's implicit usings (ImplicitUsings=enable), which live in generated files under obj/.
            CSharpSyntaxTree.ParseText("global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;", Parse),
        };
        trees.AddRange(sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, Parse, s.Path)));

        // Everything the test runs with, except the SDK's own assemblies: their sources are compiled instead.
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
            .Where(p => !Path.GetFileName(p).StartsWith("InvoiceOcr.", StringComparison.Ordinal))
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => MetadataReference.CreateFromFile(g.First()));
        var compilation = CSharpCompilation.Create(
            "SqlServerBindingAnalysis",
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        var analysis = new SqlBindingSites(compilation, statementTexts);
        return (analysis, analysis.FindSites());
    }

    /// <summary>Gets the compiler errors that could make the analysis blind (unresolved types or members).</summary>
    public IReadOnlyList<string> BlindingErrors() =>
        [.. _compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Id is "CS0246" or "CS0234" or "CS0103" or "CS1061" or "CS0117")
            .Select(d => d.ToString())];

    private static List<string> ProjectClosure(string project)
    {
        var result = new List<string>();
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (result.Contains(current, StringComparer.Ordinal))
            {
                continue;
            }

            result.Add(current);
            foreach (var reference in XDocument.Load(current).Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")!.Value.Replace('\\', Path.DirectorySeparatorChar);
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, include)));
            }
        }

        return result;
    }

    private SemanticModel Model(SyntaxTree tree) => _models.GetOrAdd(tree, t => _compilation.GetSemanticModel(t, ignoreAccessibility: true));

    private static bool IsCommand(ITypeSymbol? type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.Name == "DbCommand" && t.ContainingNamespace?.ToDisplayString() == "System.Data.Common")
            {
                return true;
            }
        }

        return false;
    }

    private List<SqlBindingSite> FindSites()
    {
        var sites = new List<SqlBindingSite>();
        foreach (var (node, model) in _allNodes)
        {
            if (node is not (ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax or InvocationExpressionSyntax))
            {
                continue;
            }

            var expression = (ExpressionSyntax)node;
            if (!IsCommand(model.GetTypeInfo(expression).Type))
            {
                continue;
            }

            var arguments = expression switch
            {
                BaseObjectCreationExpressionSyntax creation => creation.ArgumentList?.Arguments.ToList() ?? [],
                InvocationExpressionSyntax invocation => invocation.ArgumentList.Arguments.ToList(),
                _ => [],
            };
            var sqlArguments = arguments.Where(a => model.GetTypeInfo(a.Expression).Type?.SpecialType == SpecialType.System_String).ToList();
            if (sqlArguments.Count == 0 || IsFactory(expression, sqlArguments, model))
            {
                continue;
            }

            var statements = new HashSet<string>(StringComparer.Ordinal);
            foreach (var argument in sqlArguments)
            {
                statements.UnionWith(ResolveSql(argument.Expression, model, 0, []));
            }

            if (statements.Count == 0)
            {
                continue;
            }

            var parameters = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var tuple in arguments.Select(a => a.Expression).OfType<TupleExpressionSyntax>().Where(t => t.Arguments.Count == 2))
            {
                if (model.GetConstantValue(tuple.Arguments[0].Expression) is { HasValue: true, Value: string name })
                {
                    parameters[Prefixed(name)] = ValueType(tuple.Arguments[1].Expression, model, 0);
                }
            }

            var reads = new List<(int, string, string)>();
            if (CommandVariable(expression, model) is { } variable)
            {
                var body = EnclosingBody(expression);
                CollectBindings(variable, body, model, parameters, 0);
                CollectReads(variable, body, model, new Dictionary<ISymbol, (AnonymousFunctionExpressionSyntax, SemanticModel)>(SymbolEqualityComparer.Default), reads, 0);
            }

            var line = expression.GetLocation().GetLineSpan();
            sites.Add(new SqlBindingSite(statements, parameters, Path.GetFileName(line.Path) + ":" + (line.StartLinePosition.Line + 1)) { Reads = reads });
        }

        sites.AddRange(CommandTextSites());
        return sites;
    }

    // command.CommandText = sql (after connection.CreateCommand()), or new SqlCommand { CommandText = sql }.
    private IEnumerable<SqlBindingSite> CommandTextSites()
    {
        foreach (var (node, model) in _allNodes)
        {
            if (node is not AssignmentExpressionSyntax assignment
                || model.GetSymbolInfo(assignment.Left).Symbol is not IPropertySymbol { Name: "CommandText" } property
                || !IsCommand(property.ContainingType))
            {
                continue;
            }

            // The command: the receiver of .CommandText, or the object being initialized.
            ISymbol? command;
            if (assignment.Left is MemberAccessExpressionSyntax access)
            {
                command = model.GetSymbolInfo(access.Expression).Symbol;
            }
            else if (assignment.Parent is InitializerExpressionSyntax { Parent: BaseObjectCreationExpressionSyntax creation })
            {
                command = CommandVariable(creation, model);
            }
            else
            {
                continue;
            }

            // A factory (the SQL is a parameter of a method returning a command): its callers are the sites.
            var sql = new List<ArgumentSyntax> { SyntaxFactory.Argument(assignment.Right) };
            var enclosing = assignment.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax);
            var method = enclosing is null ? null : (model.GetDeclaredSymbol(enclosing) ?? model.GetSymbolInfo(enclosing).Symbol) as IMethodSymbol;
            if (method is not null && (IsCommand(method.ReturnType) || enclosing is AnonymousFunctionExpressionSyntax)
                && PassThrough(assignment.Right, model) is IParameterSymbol p && SymbolEqualityComparer.Default.Equals(p.ContainingSymbol, method))
            {
                continue;
            }

            var statements = ResolveSql(assignment.Right, model, 0, []);
            if (statements.Count == 0)
            {
                continue;
            }

            var parameters = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            var reads = new List<(int, string, string)>();
            if (command is not null)
            {
                CollectBindings(command, EnclosingBody(assignment), model, parameters, 0);
                CollectReads(command, EnclosingBody(assignment), model, new Dictionary<ISymbol, (AnonymousFunctionExpressionSyntax, SemanticModel)>(SymbolEqualityComparer.Default), reads, 0);
            }

            var line = assignment.GetLocation().GetLineSpan();
            yield return new SqlBindingSite(statements, parameters, Path.GetFileName(line.Path) + ":" + (line.StartLinePosition.Line + 1)) { Reads = reads };
        }
    }

    // A method that takes the SQL as one of its parameters and returns a command: its callers are the sites.
    private static bool IsFactory(ExpressionSyntax creation, List<ArgumentSyntax> sqlArguments, SemanticModel model)
    {
        var enclosing = creation.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax);
        var symbol = enclosing is null ? null : model.GetDeclaredSymbol(enclosing) ?? model.GetSymbolInfo(enclosing).Symbol;
        if (symbol is not IMethodSymbol method)
        {
            return false;
        }

        var returnsCommand = IsCommand(method.ReturnType) || enclosing is AnonymousFunctionExpressionSyntax;
        return returnsCommand && sqlArguments.All(a => PassThrough(a.Expression, model) is IParameterSymbol p && SymbolEqualityComparer.Default.Equals(p.ContainingSymbol, method));
    }

    // Follows string M(string) helpers (the schema-token replacement) to the expression underneath.
    private static ISymbol? PassThrough(ExpressionSyntax expression, SemanticModel model)
    {
        while (true)
        {
            switch (expression)
            {
                case ParenthesizedExpressionSyntax p:
                    expression = p.Expression;
                    continue;
                case InvocationExpressionSyntax i when model.GetSymbolInfo(i).Symbol is IMethodSymbol m && m.Parameters.Length == 1
                    && m.Parameters[0].Type.SpecialType == SpecialType.System_String && m.ReturnType.SpecialType == SpecialType.System_String && i.ArgumentList.Arguments.Count == 1:
                    expression = i.ArgumentList.Arguments[0].Expression;
                    continue;
                default:
                    return model.GetSymbolInfo(expression).Symbol;
            }
        }
    }

    private HashSet<string> ResolveSql(ExpressionSyntax expression, SemanticModel model, int depth, HashSet<SyntaxNode> visited)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (depth > MaxDepth || !visited.Add(expression))
        {
            return result;
        }

        // A constant (a const field, a literal, a concatenation of constants) is matched by its text.
        if (model.GetConstantValue(expression) is { HasValue: true, Value: string text })
        {
            if (_statementTexts.Contains(text))
            {
                result.Add(text);
            }

            return result;
        }

        switch (expression)
        {
            case ParenthesizedExpressionSyntax p:
                return ResolveSql(p.Expression, model, depth + 1, visited);
            case ConditionalExpressionSyntax c:
                result.UnionWith(ResolveSql(c.WhenTrue, model, depth + 1, visited));
                result.UnionWith(ResolveSql(c.WhenFalse, model, depth + 1, visited));
                return result;
            case InvocationExpressionSyntax i when model.GetSymbolInfo(i).Symbol is IMethodSymbol m && m.Parameters.Length == 1
                && m.Parameters[0].Type.SpecialType == SpecialType.System_String && m.ReturnType.SpecialType == SpecialType.System_String && i.ArgumentList.Arguments.Count == 1:
                return ResolveSql(i.ArgumentList.Arguments[0].Expression, model, depth + 1, visited);
        }

        var symbol = model.GetSymbolInfo(expression).Symbol;
        switch (symbol)
        {
            case IFieldSymbol field:
                foreach (var declarator in field.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<VariableDeclaratorSyntax>())
                {
                    if (declarator.Initializer is { } init)
                    {
                        result.UnionWith(ResolveSql(init.Value, Model(declarator.SyntaxTree), depth + 1, visited));
                    }
                }

                result.UnionWith(Assignments(field, depth, visited));
                break;
            case ILocalSymbol local:
                foreach (var declarator in local.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<VariableDeclaratorSyntax>())
                {
                    if (declarator.Initializer is { } init)
                    {
                        result.UnionWith(ResolveSql(init.Value, Model(declarator.SyntaxTree), depth + 1, visited));
                    }
                }

                result.UnionWith(Assignments(local, depth, visited));
                break;
            case IParameterSymbol parameter when parameter.ContainingSymbol is IMethodSymbol method && method.MethodKind != MethodKind.AnonymousFunction && method.MethodKind != MethodKind.LambdaMethod:
                foreach (var argument in ArgumentsFor(parameter))
                {
                    result.UnionWith(ResolveSql(argument.Expression, argument.Model, depth + 1, visited));
                }

                break;
            case IPropertySymbol property:
                result.UnionWith(ResolveProperty(property, depth, visited));
                break;
        }

        return result;
    }

    private HashSet<string> ResolveProperty(IPropertySymbol property, int depth, HashSet<SyntaxNode> visited)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var candidates = new List<IPropertySymbol> { property };
        if (property.IsAbstract || property.IsVirtual || property.ContainingType.TypeKind == TypeKind.Interface)
        {
            // An abstract statement property (a dialect's SQL): every override in the compiled code is a candidate.
            foreach (var (node, model) in _allNodes.Where(n => n.Node is PropertyDeclarationSyntax))
            {
                if (model.GetDeclaredSymbol(node) is IPropertySymbol other && Overrides(other, property))
                {
                    candidates.Add(other);
                }
            }
        }

        foreach (var candidate in candidates)
        {
            foreach (var syntax in candidate.DeclaringSyntaxReferences.Select(r => r.GetSyntax()))
            {
                var model = Model(syntax.SyntaxTree);
                switch (syntax)
                {
                    case PropertyDeclarationSyntax { ExpressionBody: { } body }:
                        result.UnionWith(ResolveSql(body.Expression, model, depth + 1, visited));
                        break;
                    case PropertyDeclarationSyntax declaration:
                        if (declaration.Initializer is { } init)
                        {
                            result.UnionWith(ResolveSql(init.Value, model, depth + 1, visited));
                        }

                        foreach (var accessor in declaration.AccessorList?.Accessors.Where(a => a.IsKind(SyntaxKind.GetAccessorDeclaration)) ?? [])
                        {
                            if (accessor.ExpressionBody is { } arrow)
                            {
                                result.UnionWith(ResolveSql(arrow.Expression, model, depth + 1, visited));
                            }

                            foreach (var ret in accessor.Body?.DescendantNodes().OfType<ReturnStatementSyntax>() ?? [])
                            {
                                if (ret.Expression is not null)
                                {
                                    result.UnionWith(ResolveSql(ret.Expression, model, depth + 1, visited));
                                }
                            }
                        }

                        break;
                    case ParameterSyntax when model.GetDeclaredSymbol(syntax) is IParameterSymbol recordParameter:
                        // A positional record's property: the constructor arguments at every construction.
                        foreach (var argument in ArgumentsFor(recordParameter))
                        {
                            result.UnionWith(ResolveSql(argument.Expression, argument.Model, depth + 1, visited));
                        }

                        break;
                }
            }

            result.UnionWith(Assignments(candidate, depth, visited));
            result.UnionWith(ByNameTables(candidate));
        }

        return result;
    }

    // A statement table built by name (RelationalStatements.FromConstants(typeof(Queries))): the property takes the
    // const string of the same name in every class passed to a FromConstants that returns the property's type.
    private HashSet<string> ByNameTables(IPropertySymbol property)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (node, model) in _allNodes)
        {
            if (node is InvocationExpressionSyntax { ArgumentList.Arguments: [{ Expression: TypeOfExpressionSyntax typeOf }] } invocation
                && model.GetSymbolInfo(invocation).Symbol is IMethodSymbol { Name: "FromConstants" } method
                && SymbolEqualityComparer.Default.Equals(method.ReturnType, property.ContainingType)
                && model.GetTypeInfo(typeOf.Type).Type is INamedTypeSymbol constants)
            {
                foreach (var field in constants.GetMembers(property.Name).OfType<IFieldSymbol>())
                {
                    if (field is { HasConstantValue: true, ConstantValue: string text } && _statementTexts.Contains(text))
                    {
                        result.Add(text);
                    }
                }
            }
        }

        return result;
    }

    private static bool Overrides(IPropertySymbol candidate, IPropertySymbol property)
    {
        for (var p = candidate.OverriddenProperty; p is not null; p = p.OverriddenProperty)
        {
            if (SymbolEqualityComparer.Default.Equals(p, property))
            {
                return true;
            }
        }

        return property.ContainingType.TypeKind == TypeKind.Interface
            && SymbolEqualityComparer.Default.Equals(candidate.ContainingType.FindImplementationForInterfaceMember(property), candidate);
    }

    // Assignments anywhere (including object initializers) to a field, property or local.
    private HashSet<string> Assignments(ISymbol target, int depth, HashSet<SyntaxNode> visited)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (node, model) in _allNodes)
        {
            if (node is AssignmentExpressionSyntax assignment && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(assignment.Left).Symbol, target))
            {
                result.UnionWith(ResolveSql(assignment.Right, model, depth + 1, visited));
            }
        }

        return result;
    }

    // Every argument passed for a method's (or a record constructor's) parameter, at every call site in the compiled code.
    private List<(ExpressionSyntax Expression, SemanticModel Model)> ArgumentsFor(IParameterSymbol parameter)
    {
        var method = (IMethodSymbol)parameter.ContainingSymbol;
        var result = new List<(ExpressionSyntax, SemanticModel)>();
        _callsByTarget ??= IndexCalls();
        foreach (var (node, model) in _callsByTarget.GetValueOrDefault(method.OriginalDefinition) ?? [])
        {
            var arguments = node switch
            {
                InvocationExpressionSyntax i => i.ArgumentList,
                BaseObjectCreationExpressionSyntax c => c.ArgumentList,
                ConstructorInitializerSyntax c => c.ArgumentList,
                PrimaryConstructorBaseTypeSyntax p => p.ArgumentList,
                _ => null,
            };
            var called = (IMethodSymbol)model.GetSymbolInfo(node).Symbol!;
            if (arguments is null)
            {
                continue;
            }

            if (ArgumentFor(arguments, called, parameter.Ordinal, parameter.Name) is { } argument)
            {
                result.Add((argument.Expression, model));
            }
        }

        return result;
    }

    private Dictionary<IMethodSymbol, List<(SyntaxNode Node, SemanticModel Model)>> IndexCalls()
    {
        var index = new Dictionary<IMethodSymbol, List<(SyntaxNode, SemanticModel)>>(SymbolEqualityComparer.Default);
        foreach (var (node, model) in _allNodes.Where(n => n.Node is InvocationExpressionSyntax or BaseObjectCreationExpressionSyntax or ConstructorInitializerSyntax or PrimaryConstructorBaseTypeSyntax))
        {
            if (model.GetSymbolInfo(node).Symbol is IMethodSymbol called)
            {
                if (!index.TryGetValue(called.OriginalDefinition, out var list))
                {
                    index[called.OriginalDefinition] = list = [];
                }

                list.Add((node, model));
            }
        }

        return index;
    }

    private static ArgumentSyntax? ArgumentFor(ArgumentListSyntax arguments, IMethodSymbol method, int ordinal, string name)
    {
        var named = arguments.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == name);
        if (named is not null)
        {
            return named;
        }

        return ordinal < arguments.Arguments.Count && arguments.Arguments[ordinal].NameColon is null && !(method.Parameters[ordinal].IsParams) ? arguments.Arguments[ordinal] : null;
    }

    private static ISymbol? CommandVariable(ExpressionSyntax creation, SemanticModel model)
    {
        var parent = creation.Parent;
        while (parent is ParenthesizedExpressionSyntax or CastExpressionSyntax)
        {
            parent = parent.Parent;
        }

        return parent switch
        {
            EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } => model.GetDeclaredSymbol(declarator),
            AssignmentExpressionSyntax assignment => model.GetSymbolInfo(assignment.Left).Symbol,
            _ => null,
        };
    }

    private static SyntaxNode EnclosingBody(SyntaxNode node) =>
        node.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AccessorDeclarationSyntax or PropertyDeclarationSyntax) ?? node.SyntaxTree.GetRoot();

    // Every parameter bound to the command held by 'command' inside 'body', following calls that take the command.
    private void CollectBindings(ISymbol command, SyntaxNode body, SemanticModel model, Dictionary<string, string?> parameters, int depth)
    {
        if (depth > MaxDepth)
        {
            return;
        }

        foreach (var use in body.DescendantNodes().OfType<IdentifierNameSyntax>().Where(i => SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(i).Symbol, command)))
        {
            // command.Parameters.Add("@name", SqlDbType.X) / AddWithValue("@name", value) / Add(new SqlParameter("@name", value))
            if (use.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Parameters" } parametersAccess
                && parametersAccess.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Add" or "AddWithValue" } add
                && add.Parent is InvocationExpressionSyntax addCall && addCall.ArgumentList.Arguments.Count >= 1)
            {
                var first = addCall.ArgumentList.Arguments[0].Expression;
                if (model.GetConstantValue(first) is { HasValue: true, Value: string name })
                {
                    var value = addCall.ArgumentList.Arguments.Count >= 2 ? addCall.ArgumentList.Arguments[1].Expression : null;
                    parameters[Prefixed(name)] = value is null ? null : DbTypeOrValue(value, model);
                }
                else if (first is BaseObjectCreationExpressionSyntax { ArgumentList.Arguments.Count: 2 } parameterCreation
                    && model.GetConstantValue(parameterCreation.ArgumentList.Arguments[0].Expression) is { HasValue: true, Value: string created })
                {
                    parameters[Prefixed(created)] = ValueType(parameterCreation.ArgumentList.Arguments[1].Expression, model, 0);
                }

                continue;
            }

            if (use.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } list } argument)
            {
                continue;
            }

            // dialect.Add(command, "name", value[, …]): one constant string besides the command; the value follows it.
            var others = list.Arguments.Where(a => a != argument).ToList();
            var names = others.Where(a => model.GetConstantValue(a.Expression) is { HasValue: true, Value: string }).ToList();
            if (names.Count == 1 && others.Count >= 2)
            {
                var after = others.IndexOf(names[0]) + 1;
                var value = after < others.Count ? others[after] : others.First(a => a != names[0]);
                parameters[Prefixed((string)model.GetConstantValue(names[0].Expression).Value!)] = ValueType(value.Expression, model, 0);
                continue;
            }

            // A helper that takes the command (BindUsage, BindQuery): follow it into its body.
            if (model.GetSymbolInfo(call).Symbol is IMethodSymbol method && method.DeclaringSyntaxReferences.Length > 0)
            {
                var index = list.Arguments.IndexOf(argument);
                var target = argument.NameColon is { } nameColon
                    ? method.Parameters.FirstOrDefault(p => p.Name == nameColon.Name.Identifier.ValueText)
                    : index < method.Parameters.Length ? method.Parameters[index] : null;
                if (target is null)
                {
                    continue;
                }

                foreach (var declaration in method.DeclaringSyntaxReferences.Select(r => r.GetSyntax()))
                {
                    CollectBindings(target, declaration, Model(declaration.SyntaxTree), parameters, depth + 1);
                }
            }
        }
    }

    // Where the command's results are read: ExecuteReader into a reader, or the command handed to a helper that does.
    private void CollectReads(ISymbol command, SyntaxNode body, SemanticModel model, Dictionary<ISymbol, (AnonymousFunctionExpressionSyntax Lambda, SemanticModel Model)> delegates, List<(int, string, string)> reads, int depth)
    {
        if (depth > MaxDepth)
        {
            return;
        }

        foreach (var use in body.DescendantNodes().OfType<IdentifierNameSyntax>().Where(i => SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(i).Symbol, command)).ToList())
        {
            if (use.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ExecuteReader" or "ExecuteReaderAsync" } execute && execute.Parent is InvocationExpressionSyntax call)
            {
                SyntaxNode node = call;
                while (node.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } or InvocationExpressionSyntax or AwaitExpressionSyntax or ParenthesizedExpressionSyntax)
                {
                    node = node.Parent;
                }

                if (node.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator } && model.GetDeclaredSymbol(declarator) is { } reader)
                {
                    CollectReaderReads(reader, EnclosingBody(use), model, new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default), delegates, reads, depth + 1);
                }

                continue;
            }

            if (use.Parent is ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax helperCall } list } argument
                && model.GetSymbolInfo(helperCall).Symbol is IMethodSymbol helper && helper.OriginalDefinition.DeclaringSyntaxReferences.Length > 0)
            {
                var original = helper.OriginalDefinition;
                var index = list.Arguments.IndexOf(argument);
                if (index >= original.Parameters.Length)
                {
                    continue;
                }

                // Lambdas passed with the command (ReadAllAsync(command, r => ReadUsage(d, r))) read what the helper hands them.
                var inner = new Dictionary<ISymbol, (AnonymousFunctionExpressionSyntax, SemanticModel)>(delegates, SymbolEqualityComparer.Default);
                for (var i = 0; i < list.Arguments.Count && i < original.Parameters.Length; i++)
                {
                    if (list.Arguments[i].Expression is AnonymousFunctionExpressionSyntax lambda)
                    {
                        inner[original.Parameters[i]] = (lambda, model);
                    }
                    else if (list.Arguments[i].Expression is IdentifierNameSyntax forwarded
                        && model.GetSymbolInfo(forwarded).Symbol is { } forwardedSymbol
                        && delegates.TryGetValue(forwardedSymbol, out var forwardedLambda))
                    {
                        // A helper that forwards its delegate to another (ReadAllAsync(command, read) => Ledger.ReadAllAsync(command, read)).
                        inner[original.Parameters[i]] = forwardedLambda;
                    }
                }

                foreach (var declaration in original.DeclaringSyntaxReferences.Select(r => r.GetSyntax()))
                {
                    CollectReads(original.Parameters[index], declaration, Model(declaration.SyntaxTree), inner, reads, depth + 1);
                }
            }
        }
    }

    private void CollectReaderReads(ISymbol reader, SyntaxNode body, SemanticModel model, Dictionary<ISymbol, int> ordinals, Dictionary<ISymbol, (AnonymousFunctionExpressionSyntax Lambda, SemanticModel Model)> delegates, List<(int, string, string)> reads, int depth)
    {
        if (depth > MaxDepth)
        {
            return;
        }

        foreach (var use in body.DescendantNodes().OfType<IdentifierNameSyntax>().Where(i => SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(i).Symbol, reader)).ToList())
        {
            var where = Path.GetFileName(use.SyntaxTree.FilePath) + ":" + (use.GetLocation().GetLineSpan().StartLinePosition.Line + 1);

            // reader.GetInt64(5)
            if (use.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: var getter } access && getter.StartsWith("Get", StringComparison.Ordinal)
                && access.Parent is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 1 } get)
            {
                if (Evaluate(get.ArgumentList.Arguments[0].Expression, model, ordinals) is { } ordinal)
                {
                    reads.Add((ordinal, getter, where));
                }

                continue;
            }

            // (byte[])reader[6]
            if (use.Parent is ElementAccessExpressionSyntax { ArgumentList.Arguments.Count: 1 } element && element.Parent is CastExpressionSyntax cast
                && cast.Type.ToString() == "byte[]" && Evaluate(element.ArgumentList.Arguments[0].Expression, model, ordinals) is { } index)
            {
                reads.Add((index, "Bytes", where));
                continue;
            }

            if (use.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax call } list } argument)
            {
                continue;
            }

            var position = list.Arguments.IndexOf(argument);

            // map(reader): a lambda handed down with the command.
            if (model.GetSymbolInfo(call.Expression).Symbol is IParameterSymbol delegateParameter && delegates.TryGetValue(delegateParameter.OriginalDefinition, out var lambda))
            {
                var parameters = lambda.Lambda switch
                {
                    SimpleLambdaExpressionSyntax simple => [simple.Parameter],
                    ParenthesizedLambdaExpressionSyntax parenthesized => parenthesized.ParameterList.Parameters.ToList(),
                    _ => new List<ParameterSyntax>(),
                };
                if (position < parameters.Count && lambda.Model.GetDeclaredSymbol(parameters[position]) is { } lambdaReader)
                {
                    CollectReaderReads(lambdaReader, lambda.Lambda.Body, lambda.Model, new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default), delegates, reads, depth + 1);
                }

                continue;
            }

            if (model.GetSymbolInfo(call).Symbol is not IMethodSymbol method || position >= method.Parameters.Length)
            {
                continue;
            }

            // A helper reading at an offset (ReadLimits(reader, 14)): evaluate its int arguments.
            var original = method.OriginalDefinition;
            var innerOrdinals = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
            for (var i = 0; i < list.Arguments.Count && i < original.Parameters.Length; i++)
            {
                if (original.Parameters[i].Type.SpecialType == SpecialType.System_Int32 && Evaluate(list.Arguments[i].Expression, model, ordinals) is { } value)
                {
                    innerOrdinals[original.Parameters[i]] = value;
                }
            }

            foreach (var target in Implementations(original))
            {
                foreach (var declaration in target.DeclaringSyntaxReferences.Select(r => r.GetSyntax()))
                {
                    var targetOrdinals = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
                    foreach (var (parameter, value) in innerOrdinals)
                    {
                        targetOrdinals[target.Parameters[((IParameterSymbol)parameter).Ordinal]] = value;
                    }

                    CollectReaderReads(target.Parameters[position], declaration, Model(declaration.SyntaxTree), targetOrdinals, delegates, reads, depth + 1);
                }
            }
        }
    }

    // A method with a body, or the overrides of an abstract or virtual one (the dialect's ReadTime).
    private List<IMethodSymbol> Implementations(IMethodSymbol method)
    {
        var result = new List<IMethodSymbol>();
        if (!method.IsAbstract && method.DeclaringSyntaxReferences.Length > 0)
        {
            result.Add(method);
        }

        if (method.IsAbstract || method.IsVirtual)
        {
            foreach (var (node, model) in _allNodes.Where(n => n.Node is MethodDeclarationSyntax))
            {
                if (model.GetDeclaredSymbol(node) is IMethodSymbol candidate)
                {
                    for (var m = candidate.OverriddenMethod; m is not null; m = m.OverriddenMethod)
                    {
                        if (SymbolEqualityComparer.Default.Equals(m.OriginalDefinition, method))
                        {
                            result.Add(candidate);
                            break;
                        }
                    }
                }
            }
        }

        return result;
    }

    private static int? Evaluate(ExpressionSyntax expression, SemanticModel model, Dictionary<ISymbol, int> ordinals)
    {
        if (model.GetConstantValue(expression) is { HasValue: true, Value: int constant })
        {
            return constant;
        }

        return expression switch
        {
            ParenthesizedExpressionSyntax p => Evaluate(p.Expression, model, ordinals),
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } add => Evaluate(add.Left, model, ordinals) + Evaluate(add.Right, model, ordinals),
            BinaryExpressionSyntax { RawKind: (int)SyntaxKind.SubtractExpression } sub => Evaluate(sub.Left, model, ordinals) - Evaluate(sub.Right, model, ordinals),
            IdentifierNameSyntax when model.GetSymbolInfo(expression).Symbol is { } symbol && ordinals.TryGetValue(symbol, out var value) => value,
            _ => null,
        };
    }

    private static string Prefixed(string name) => name.StartsWith('@') ? name : "@" + name;

    // Parameters.Add("@x", SqlDbType.Int): the declared SqlDbType; else the value's type.
    private string? DbTypeOrValue(ExpressionSyntax value, SemanticModel model)
    {
        if (model.GetSymbolInfo(value).Symbol is IFieldSymbol { ContainingType.Name: "SqlDbType" } dbType)
        {
            return dbType.Name switch
            {
                "NVarChar" or "VarChar" or "NChar" or "Char" or "NText" or "Text" => "System.String",
                "Int" => "System.Int32",
                "BigInt" => "System.Int64",
                "SmallInt" => "System.Int16",
                "TinyInt" => "System.Byte",
                "Bit" => "System.Boolean",
                "DateTime2" or "DateTime" => "System.DateTime",
                "Date" => "System.DateOnly",
                "VarBinary" or "Binary" => "System.Byte[]",
                _ => null,
            };
        }

        return ValueType(value, model, 0);
    }

    private string? ValueType(ExpressionSyntax expression, SemanticModel model, int depth)
    {
        if (depth > MaxDepth)
        {
            return null;
        }

        while (expression is ParenthesizedExpressionSyntax p)
        {
            expression = p.Expression;
        }

        var type = model.GetTypeInfo(expression).Type;
        if (expression is ConditionalExpressionSyntax conditional && type?.SpecialType is SpecialType.System_Object or null)
        {
            return ValueType(conditional.WhenTrue, model, depth + 1) ?? ValueType(conditional.WhenFalse, model, depth + 1);
        }

        if (type is null || type.SpecialType == SpecialType.System_Object)
        {
            switch (model.GetSymbolInfo(expression).Symbol)
            {
                case IMethodSymbol { Parameters.Length: 1 } conversion:
                    // dialect.Time(now): the override's expression body decides the stored type; else the argument's.
                    foreach (var body in Overriders(conversion))
                    {
                        if (ValueType(body.Expression, body.Model, depth + 1) is { } bodyType)
                        {
                            return bodyType;
                        }
                    }

                    return Name(conversion.Parameters[0].Type);
                case IParameterSymbol parameter when parameter.ContainingSymbol is IMethodSymbol:
                    var passed = ArgumentsFor(parameter).Select(a => ValueType(a.Expression, a.Model, depth + 1)).Distinct().ToList();
                    return passed.Count == 1 ? passed[0] : null;
                default:
                    return null;
            }
        }

        return Name(type);
    }

    private IEnumerable<(ExpressionSyntax Expression, SemanticModel Model)> Overriders(IMethodSymbol method)
    {
        foreach (var (node, model) in _allNodes)
        {
            if (node is MethodDeclarationSyntax { ExpressionBody: { } body } declaration && model.GetDeclaredSymbol(declaration) is IMethodSymbol candidate)
            {
                for (var m = candidate; m is not null; m = m.OverriddenMethod)
                {
                    if (SymbolEqualityComparer.Default.Equals(m, method.OriginalDefinition))
                    {
                        yield return (body.Expression, model);
                        break;
                    }
                }
            }
        }
    }

    private static string? Name(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying })
        {
            type = underlying;
        }

        return type switch
        {
            IArrayTypeSymbol array => Name(array.ElementType) + "[]",
            { SpecialType: SpecialType.System_Object } => null,
            _ => type.ContainingNamespace is null || type.ContainingNamespace.IsGlobalNamespace ? type.Name : type.ContainingNamespace.ToDisplayString() + "." + type.MetadataName,
        };
    }
}
