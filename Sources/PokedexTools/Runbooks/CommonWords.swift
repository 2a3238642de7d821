/// The 2,000 commonest English words (wordfreq's `top_n_list("en")`, letters only): a question's
/// word the runbooks do not know weighs little against answering it when it is one of these
/// ("getting", "weird", "older") and fully when it is not ("vacation", "expense"), so an
/// answerable question is not refused for the everyday words around its subject.
enum CommonWords {
    static let english: Set<Substring> = Set(
        """
        the to and of in is for that you it on with this was be as are have at he not by but from my or we an your all
        so his they me if one can will just like about up out what has when more do no were who had their there her
        which time get been would she new people how some also them now other its our than good only after first him
        into know see two make over think any then could back these us want because go well said way most much very
        where even should may here need really did right work year years being day too going before off why made still
        take got many never those life say world down great through last while best such love man home long look
        something use same used both every am come part state three around between always better find help high little
        old since another does own things under during game thing give house place school again next each mr without
        against end found must show big feel sure team ever family keep might please put money free second someone
        away left number city days lot name night play until company doing few let real called different having set
        thought done however getting god government group looking public top women business care start system times
        week already anything case nothing person today change enough everything full live making point read told yet
        bad four hard mean once support tell including music power seen states stop water based believe call head men
        national small took white came far job side though try went yes actually american later less line order party
        run says service country open season shit thank children everyone general trying united using area black
        following law makes together war whole car face five kind maybe per president story working course games
        health hope important least means news within able book early friends information local oh post thanks video
        young ago others social talk court fact given guys half hand level mind often single become body coming
        control death food guy hours office pay problem south true almost fuck history known large lost research room
        several started taking university win wrong along anyone else girl john matter pretty remember air bit friend
        hit needs nice playing probably saying understand yeah york class close comes idea international looks past
        possible wanted cause due happy human members months move question series wait woman ask community data late
        leave north saw special watch either fucking future light low million morning police short stay taken age buy
        deal rather reason red report soon third turn whether among check development form further heart minutes
        myself services yourself act although asked child fire fun living major media phone players art behind
        building easy gonna market near non plan political quite six talking west works according available education
        final former front kids list ready sometimes son street bring college current example experience heard london
        meet program type baby chance father march process song study word across action clear gave gets himself month
        outside self students words board cost cut dr field held instead main moment mother road seems thinking town
        wants de department energy fight fine force hear issue played points price re rest results running shows space
        summer term wife america beautiful date goes killed land miss project sex shot site strong account co
        especially eyes include june parents period position record similar total above club common died film happened
        knew lead likely military perfect personal security share st tv won april center county couple dead english
        happen hold industry inside issues online player private problems return rights sense star test view weeks
        break british companies event higher hour member middle needed present result sorry takes training wish answer
        boy design finally girls gold gone guess interest july king learn policy society added al alone average bank
        brought certain church east hands hot longer medical movie original park performance press received role sent
        themselves tried worked worth areas became bill books cool director exactly giving ground meeting provide
        questions relationship september sound source usually value evidence follow lives official ok production rate
        reading round save stand stuff tax whatever amount blue countries david drive eat fall fast federal feeling
        felt green league management match model picture size step trust central changes england forward groups hey
        key mom page paid range review science trade uk upon various attention brother cannot character chief cup
        football hate james led looked lower natural october property quality send style vote amazing august blood
        china complete dog economic hell involved itself language lord november oil related serious stage terms title
        add article attack born damn decided decision enjoy entire french january kill met perhaps poor release
        situation technology turned website written choice code considered continue council cover currently door
        election european events financial foreign hair increase legal lose michael pick race seem seven sign simple
        simply staff super union walk washington bed began built career changed crazy daily daughter december die
        difficult figure hospital knows loss modern ones paper parts popular published safe starting systems version
        voice whose writing army australia earth forget goal huge internet listen okay practice rules sea sir success
        towards waiting ways access base below created deep followed la lol mark missing offer pass professional
        released risk schools sleep table ten truth ball box build card cases dark district europe george india mine
        minister note percent piece products recent seeing straight visit wall wanna wrote allowed boys culture etc
        fans february gives growth included married officer pain paul places respect response river rock shall speak
        specific standard tonight write album century charge cold create effect eight except eye funny ii limited
        moving network peace provided recently required sales spent store student tomorrow track via watching weight
        addition ahead allow anti association beat brown capital chinese committee conference difference double expect
        gas island moved normal plans population potential pressure radio russian station text treatment western ass
        beginning california campaign certainly completely content credit cross described despite female focus hi
        husband ice individual interesting join kept leading loved message miles nearly particular previous quickly
        region reported section sort speed travel consider contact drop fair feet jesus kid link positive sale
        throughout tour welcome absolutely additional beyond conditions earlier extra forces immediately jobs leaving
        minute nature numbers quick sell significant studies unless winning agree canada clean computer construction
        episode favorite income justice levels manager movement photo posted safety san scene sold sounds spend
        statement sun teams ability announced asking calling coach collection continued costs definitely designed
        expected friday gun happens heavy includes knowledge particularly search subject train wide wow author centre
        claim dad developed fear fit generally german global goals gotta hotel interested judge lady leader letter
        lines material named nobody opportunity plus pre product regular secretary sister stories unit workers annual
        anymore bar battle brain contract degree families features finished floor france growing hurt image insurance
        majority meant opening opinion physical pro reach rule seriously sports stupid successful active
        administration approach australian biggest cancer civil dance defense direction independent master none
        reasons russia ship stock trump weekend wonder worst africa awesome band beach cash clearly commercial
        compared effort ended fan fighting imagine impact lack latest learning multiple older operation organization
        passed pictures protect secret senior spring sunday telling wear activities address analysis anyway bought
        calls choose christmas color commission competition details direct dream easily finish grand increased indian
        literally luck marriage names necessary patients resources rich skin speaking supposed sweet thus touch
        yesterday caught closed congress damage directly disease doctor doubt drink driving established facebook feels
        fish gay germany glad greater grow largest machine notice overall planning professor programs records reports
        shown sit trip associated basic captain carry cars crime effective effects explain fully highly holding japan
        laws male mrs parties plant reality smith spot texas winter worse advice agreement award block broken caused
        challenge characters christian comment equipment eventually helped holy killing lived lots nation otherwise
        peter prices primary purpose rates responsible shop showing sick teacher theory uses william agency avoid
        camera catch cell coast comments drug economy environment executive foot hall mass meaning mission nine
        officers operations politics pop produced ran saturday status therefore trial truly weather activity app
        application claims coffee complex condition division evening flight freedom google heat highest interview
        library located location murder obama offered putting queen seconds showed sitting standing stars walking
        accept actual appear attempt broke channel distance eating exchange fat fell finding glass learned losing
        mobile northern opened placed powerful prior protection reached receive religious ride robert royal screen
        serve signed slow species speech traffic tree types vs wearing whom wonderful agreed airport animals appears
        begin benefits bottom cities demand engine everybody famous ideas investment keeping lie notes partner plays
        raised runs sad solution songs sources southern square stopped structure thomas traditional twice wind worry
        americans appeared becomes brand bus cent chicago count covered critical digital forced fourth fresh lake
        mental mentioned missed mostly mouth owner photos previously realize remain scale score separate smart starts
        surface throw tom totally twitter views wedding acting actions african arms benefit budget click estate failed
        faith fashion feature fund generation hearing hill jack larger louis metal mid paris profile pull push
        returned rose seat seemed sexual target understanding village agent animal apply authority basis becoming
        chris draw dude employees enter ex follows foundation gain http individuals japanese leaders memory prime
        projects ring rise selling served silver soul spread supply waste weird adult apparently artist chairman
        edition engineering grade happening healthy institute method mike monday nations obviously option prison
        provides remains senate smaller somebody stone strength users wild window winner arrived bag bet camp cast
        christ continues correct dangerous ed extremely firm greatest handle improve indeed leaves movies negative
        prevent removed richard spirit television till trouble usa videos advantage apart aware cat customers decide
        dinner dollars eastern fifth function gift helping herself impossible influence items joe los marketing mary
        materials nor produce progress proud require shooting shut standards tells thinks van wood background birth
        bridge carried charles classes completed concept copy dear dogs drugs efforts garden host housing inc israel
        journal labor leadership length lucky neither onto patient possibly prove rare setting skills software
        thousands tough units ad alive apple balance birthday bitch boss cards changing connection dress easier fellow
        florida horse knowing liked magic managed map net owned request stick turns vehicle volume wake aid beauty
        believed billion busy buying cells concerned conversation corner criminal cultural develop driver ends
        existing farm file fix fly frank guide images investigation mexico operating paying presented raise
        responsibility roll slightly suggest surprise technical thoughts treat unique variety violence weapons yours
        youth appreciate bigger breaking discovered dont dry edge evil excited forever funds helps henry injury iron
        lovely mad magazine martin models offers ordered parliament prepared reference religion sites somewhere stated
        strategy teachers web wine accounts angeles arm audience bay blog closer core democratic description dropped
        excellent exist figures forms guard honest issued joined jones lee lies likes medicine mention mountain
        nuclear orders port presence reaction reduce shoot sides solid spanish sport steps stress taste tea victory
        afternoon assistant britain citizens classic clothes decisions electric emergency entered entirely facts
        failure festival flat fuel harry hello houses ill initial introduced johnson kick links mail massive matters
        pair picked pieces plane plenty prince proper providing quarter regional scott session shape sky teaching
        toward transfer upper useful valley watched willing windows zone accident advanced alternative anywhere
        articles awards bear boat bringing capacity cheap climate communities discussion drinking duty fantastic
        feelings flying governor hundred industrial joint mix museum options path plants policies promise proposed
        purchase rain remove signs spending steel steve supporting terrible tired treated turning vice warm afraid
        arts beer border canadian command crew crowd dating dick elements enemy ensure environmental filled fixed
        forest intelligence intended labour limit moon ocean powers profit proof republican soldiers suit wins
        appearance asian attorney banks behavior ben bodies brothers buildings chair creating debt domestic expensive
        grew historical homes honestly honor
        """.split(whereSeparator: \.isWhitespace))
}
